import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Controls } from "./Controls";
import type { MarketState } from "../../api/types";

afterEach(() => vi.unstubAllGlobals());

const state = (over: Partial<MarketState> = {}): MarketState => ({
  step: 42, session: 1, episode_length: 1000, done: false, running: false, speed: null,
  mid: 100.01, best_bid: 100, best_ask: 100.02, spread: 0.02, bids: [], asks: [],
  last_trades: [], active_events: [], ...over,
});

function stubFetch(body: unknown = { note: "started", state: state() }, status = 200) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

const call = (fetch: ReturnType<typeof stubFetch>, i = 0) => {
  const [url, init] = fetch.mock.calls[i] as unknown as [string, RequestInit];
  return { url, body: init.body ? JSON.parse(String(init.body)) : undefined };
};

describe("Controls", () => {
  it("shows the step counter of the live state", () => {
    render(<Controls state={state()} onError={() => {}} onNote={() => {}} />);
    expect(screen.getByTestId("market-step").textContent).toBe("42");
  });

  it("starts from a run id with the chosen seed", async () => {
    const fetch = stubFetch();
    const onNote = vi.fn();
    render(<Controls state={null} onError={() => {}} onNote={onNote} />);
    fireEvent.change(screen.getByLabelText("seed"), { target: { value: "11" } });
    fireEvent.change(screen.getByLabelText("source"), { target: { value: "run" } });
    fireEvent.change(screen.getByLabelText("experiment or run id"), { target: { value: "abc123" } });
    fireEvent.click(screen.getByTestId("start-button"));
    await waitFor(() => expect(onNote).toHaveBeenCalledWith("started"));
    expect(call(fetch)).toEqual({ url: "/start_simulation", body: { seed: 11, run_id: "abc123" } });
  });

  it("steps N, runs at a speed, pauses when running, resets", async () => {
    const fetch = stubFetch(state());
    const { rerender } = render(<Controls state={state()} onError={() => {}} onNote={() => {}} />);
    fireEvent.change(screen.getByLabelText("steps"), { target: { value: "25" } });
    fireEvent.click(screen.getByTestId("step-button"));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(call(fetch, 0)).toEqual({ url: "/step_simulation", body: { steps: 25 } });
    fireEvent.click(screen.getByTestId("run-button"));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    expect(call(fetch, 1)).toEqual({ url: "/run_simulation", body: { speed: 50 } });
    rerender(<Controls state={state({ running: true, speed: 50 })} onError={() => {}} onNote={() => {}} />);
    expect(screen.getByTestId("run-button").textContent).toBe("Pause");
    expect((screen.getByTestId("step-button") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("run-button"));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
    expect(call(fetch, 2).url).toBe("/pause_simulation");
    fireEvent.click(screen.getByTestId("reset-button"));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(4));
    expect(call(fetch, 3)).toEqual({ url: "/reset_simulation", body: { seed: 7 } });
  });

  it("hands a 409's detail to onError", async () => {
    stubFetch({ detail: "no simulation running: POST /start_simulation first" }, 409);
    const onError = vi.fn();
    render(<Controls state={null} onError={onError} onNote={() => {}} />);
    fireEvent.click(screen.getByTestId("step-button"));
    await waitFor(() => expect(onError).toHaveBeenCalled());
    expect(String(onError.mock.calls[0][0])).toContain("start_simulation first");
  });
});
