/// <reference types="vitest/config" />
// Builds the dashboard into dist/ (served by FastAPI at /) and copies Swagger UI's assets from
// the swagger-ui-dist package into dist/swagger (served at /swagger, used by /docs): no CDN.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"];

function swaggerAssets(): Plugin {
  return {
    name: "copy-swagger-ui-dist",
    apply: "build",
    closeBundle() {
      const from = join(here, "node_modules", "swagger-ui-dist");
      const to = join(here, "dist", "swagger");
      mkdirSync(to, { recursive: true });
      for (const file of SWAGGER_FILES) cpSync(join(from, file), join(to, file));
    },
  };
}

export default defineConfig({
  plugins: [react(), swaggerAssets()],
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: {
    proxy: Object.fromEntries(
      ["/start_simulation", "/step_simulation", "/run_simulation", "/pause_simulation",
       "/reset_simulation", "/market_state", "/stream", "/agents", "/add_agent", "/events",
       "/inject_event", "/experiments", "/runs", "/health", "/openapi.json"]
        .map((path) => [path, "http://127.0.0.1:8000"]),
    ),
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
