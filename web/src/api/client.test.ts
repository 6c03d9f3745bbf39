import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, detailOf, messageOf, request } from "./client";

afterEach(() => vi.unstubAllGlobals());

describe("request", () => {
  it("turns a 4xx into an ApiError carrying the server's detail", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"detail": "no simulation running"}', { status: 409 })));
    const error = await request("/step_simulation").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect(messageOf(error)).toBe("409 — no simulation running");
  });

  it("reports an unreachable server instead of throwing a TypeError", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    const error = await request("/health").catch((e: unknown) => e);
    expect(messageOf(error)).toContain("cannot be reached");
  });

  it("survives a body that is not JSON", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("Internal Server Error", { status: 500 })));
    expect(messageOf(await request("/x").catch((e: unknown) => e))).toBe("500 — Internal Server Error");
  });
});

describe("detailOf", () => {
  it("joins FastAPI's validation errors with their field", () => {
    const body = { detail: [{ loc: ["body", "steps"], msg: "Input should be less than or equal to 10000" }] };
    expect(detailOf(body, "")).toBe("steps: Input should be less than or equal to 10000");
  });
});
