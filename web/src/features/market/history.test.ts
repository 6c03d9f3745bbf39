import { describe, expect, it } from "vitest";
import { emptyHistory, mergeTicks, stressWindows } from "./history";
import type { EventLogEntry, PriceTicks } from "../../api/types";

const ticks = (first: number, steps: number[]): PriceTicks => ({
  first,
  step: steps,
  mid: steps.map((s) => 100 + s),
  best_bid: steps.map((s) => 99 + s),
  best_ask: steps.map((s) => 101 + s),
});

describe("mergeTicks", () => {
  it("appends a batch that continues the history", () => {
    const one = mergeTicks(emptyHistory(), 1, ticks(0, [0, 1, 2]));
    const two = mergeTicks(one, 1, ticks(3, [3, 4]));
    expect(two.step).toEqual([0, 1, 2, 3, 4]);
    expect(two.mid).toEqual([100, 101, 102, 103, 104]);
    expect(two.ask[4]).toBe(105);
  });

  it("replaces the history when the session changes (start or reset)", () => {
    const old = mergeTicks(emptyHistory(), 1, ticks(0, [0, 1, 2, 3]));
    const fresh = mergeTicks(old, 2, ticks(0, [0]));
    expect(fresh.session).toBe(2);
    expect(fresh.step).toEqual([0]);
  });

  it("returns the same object when nothing new came", () => {
    const one = mergeTicks(emptyHistory(), 1, ticks(0, [0, 1]));
    expect(mergeTicks(one, 1, ticks(2, []))).toBe(one);
  });

  it("never keeps a gap: a batch that does not continue the history replaces it", () => {
    const one = mergeTicks(emptyHistory(), 1, ticks(0, [0, 1]));
    expect(mergeTicks(one, 1, ticks(5, [5, 6])).step).toEqual([5, 6]);
  });
});

describe("stressWindows", () => {
  const event = (start: number, end: number, status: EventLogEntry["status"]): EventLogEntry => ({
    type: "flash_crash", start_step: start, end_step: end, params: {}, status,
  });
  it("shades started events up to now, never scheduled ones", () => {
    const events = [event(5, 10, "over"), event(20, 30, "active"), event(50, 60, "scheduled")];
    expect(stressWindows(events, 25)).toEqual([[5, 10], [20, 25]]);
  });
});
