import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ResultsPanel } from "./ResultsPanel";
import { trainingKeys } from "./RunDetail";

afterEach(() => vi.unstubAllGlobals());

const ROUTES: Record<string, unknown> = {
  "/experiments": { experiments: [{ experiment_id: "1", name: "herding", lifecycle_stage: "active" }] },
  "/experiments/herding/runs?page_size=20": {
    experiment: "herding",
    next_page_token: null,
    runs: [{
      run_id: "r1", run_name: "herding-1", experiment_id: "1", status: "FINISHED",
      start_time: "2026-12-01T10:00:00Z", kind: "pipeline",
      hypotheses: [{ name: "herding", reject: true, extra: {} }, { name: "liquidity_impact", reject: false, extra: {} }],
    }, {
      run_id: "r1c0", run_name: "replicate-0", experiment_id: "1", status: "FINISHED",
      kind: "replicate", parent_run_id: "r1", hypotheses: [],
    }],
  },
};

describe("ResultsPanel", () => {
  it("lists experiments, then an experiment's runs with status and outcomes", async () => {
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      const body = ROUTES[url];
      return new Response(JSON.stringify(body ?? { detail: `no ${url}` }), { status: body ? 200 : 404 });
    }));
    render(<ResultsPanel onError={() => {}} />);
    const experiments = screen.getByTestId("experiments-list");
    fireEvent.click(await within(experiments).findByRole("button", { name: "herding" }));
    const runs = screen.getByTestId("runs-list");
    const row = await within(runs).findByText("herding-1");
    const cells = within(row.closest("tr") as HTMLElement).getAllByRole("cell").map((c) => c.textContent);
    expect(cells[2]).toBe("FINISHED");
    expect(cells[4]).toBe("H3 ✓H2 ✗");
    expect(within(runs).queryByText("replicate-0")).toBeNull(); // child runs hidden by default
    fireEvent.click(within(runs.closest("section") as HTMLElement).getByRole("checkbox"));
    expect(within(runs).getByText("replicate-0")).toBeTruthy();
  });

  it("reports a store that is down through onError", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"detail": "MLflow tracking server is unreachable"}', { status: 503 })));
    const onError = vi.fn();
    render(<ResultsPanel onError={onError} />);
    await waitFor(() => expect(String(onError.mock.calls[0]?.[0])).toContain("unreachable"));
  });
});

describe("trainingKeys", () => {
  it("groups train/<policy>/<metric> keys by policy and ignores the rest", () => {
    const keys = trainingKeys({ "train/momentum/kl": 1, "train/momentum/episode_return_mean": 2, "train/adaptive/kl": 3, "eval/x": 4, "hypothesis/h/p_value": 5 });
    expect([...keys.entries()]).toEqual([["adaptive", ["kl"]], ["momentum", ["episode_return_mean", "kl"]]]);
  });
});
