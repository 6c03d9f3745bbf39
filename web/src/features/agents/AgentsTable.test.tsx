import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { agentBody, AgentsTable } from "./AgentsTable";
import type { Agents } from "../../api/types";

const agents: Agents = {
  step: 12,
  agents: [
    { id: "momentum", type: "rl", kind: "rl", active: true, position: 20, cash: 999000, pnl: 12.5 },
    { id: "noise_0", type: "noise", kind: "background", active: true, position: -3, cash: 1000300, pnl: -1 },
    { id: "noise_30", type: "noise", kind: "background", active: true, position: 0, cash: 1000000, pnl: 0 },
  ],
  groups: [
    { type: "noise", count: 2, active: 2, position: -3, cash: 2000300, pnl: -1 },
    { type: "momentum", count: 3, active: 2, position: 0, cash: 3000000, pnl: 0 },
  ],
};

afterEach(() => vi.unstubAllGlobals());

function respond(status: number, body: unknown) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status }));
}

describe("AgentsTable", () => {
  it("lists RL agents, the traders added here, and background groups", () => {
    render(<AgentsTable agents={agents} added={["noise_30"]} onAdded={() => {}} onRemoved={() => {}} onError={() => {}} />);
    const table = screen.getByTestId("agents-table");
    expect(table.querySelector('[data-agent="momentum"]')?.textContent).toContain("12.5");
    expect(table.querySelector('[data-agent="noise_30"]')).not.toBeNull();
    expect(table.querySelector('[data-agent="noise_0"]')).toBeNull(); // one of a group: summed
    expect(within(table.querySelector('[data-group="noise"]') as HTMLElement).getAllByRole("cell")[2].textContent).toBe("2");
    // a group with a removed trader says how many still trade
    expect(within(table.querySelector('[data-group="momentum"]') as HTMLElement).getAllByRole("cell")[2].textContent).toBe("2 of 3");
  });

  it("adds a trader through POST /add_agent and reports its id", async () => {
    const fetch = respond(200, { id: "noise_31", type: "noise" });
    vi.stubGlobal("fetch", fetch);
    const onAdded = vi.fn();
    render(<AgentsTable agents={agents} added={[]} onAdded={onAdded} onRemoved={() => {}} onError={() => {}} />);
    fireEvent.change(screen.getByLabelText("agent params"), { target: { value: '{"p_act": 0.5}' } });
    fireEvent.click(screen.getByTestId("add-agent-button"));
    await waitFor(() => expect(onAdded).toHaveBeenCalledWith("noise_31"));
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/add_agent");
    expect(JSON.parse(String(init.body))).toEqual({ type: "noise", params: { p_act: 0.5 } });
  });

  it("hands a refused add's detail to onError", async () => {
    vi.stubGlobal("fetch", respond(400, { detail: "cannot add noise trader: mean_size=-5" }));
    const onError = vi.fn();
    render(<AgentsTable agents={agents} added={[]} onAdded={() => {}} onRemoved={() => {}} onError={onError} />);
    fireEvent.click(screen.getByTestId("add-agent-button"));
    await waitFor(() => expect(onError).toHaveBeenCalled());
    expect(String(onError.mock.calls[0][0])).toContain("mean_size=-5");
  });

  it("removes an agent through DELETE /agents/{id}", async () => {
    const fetch = respond(200, { id: "momentum", removed: true });
    vi.stubGlobal("fetch", fetch);
    const onRemoved = vi.fn();
    render(<AgentsTable agents={agents} added={[]} onAdded={() => {}} onRemoved={onRemoved} onError={() => {}} />);
    fireEvent.click(screen.getByTestId("remove-momentum"));
    await waitFor(() => expect(onRemoved).toHaveBeenCalledWith("momentum"));
    expect((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].method).toBe("DELETE");
  });
});

describe("agentBody", () => {
  it("refuses params that are not a JSON object", () => {
    expect(() => agentBody("noise", "[1]", "")).toThrow(/JSON object/);
    expect(() => agentBody("noise", "{oops", "")).toThrow(/JSON object/);
  });
  it("sends a run id for rl agents only", () => {
    expect(agentBody("rl", "", "abc").run_id).toBe("abc");
    expect(agentBody("noise", "", "abc").run_id).toBeUndefined();
  });
});
