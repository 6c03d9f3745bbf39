// The price history of the live episode, kept as uPlot's column arrays and grown from the
// stream's `ticks` (append when `ticks.first` continues it, replace when the session changed).
import type { EventLogEntry, PriceTicks } from "../../api/types";

export interface History {
  session: number;
  step: number[];
  mid: (number | null)[];
  bid: (number | null)[];
  ask: (number | null)[];
}

export const emptyHistory = (session = -1): History => ({
  session, step: [], mid: [], bid: [], ask: [],
});

/** The history after one stream message (a new object when it changed, for React). */
export function mergeTicks(history: History, session: number, ticks: PriceTicks): History {
  const restart = session !== history.session || ticks.first === 0;
  if (!restart && ticks.first !== history.step.length) {
    // A gap (should not happen: the server sends from what it sent): start over from this batch.
    return { session, step: [...ticks.step], mid: [...ticks.mid], bid: [...ticks.best_bid], ask: [...ticks.best_ask] };
  }
  if (restart) {
    return { session, step: [...ticks.step], mid: [...ticks.mid], bid: [...ticks.best_bid], ask: [...ticks.best_ask] };
  }
  if (ticks.step.length === 0) return history;
  return {
    session,
    step: history.step.concat(ticks.step),
    mid: history.mid.concat(ticks.mid),
    bid: history.bid.concat(ticks.best_bid),
    ask: history.ask.concat(ticks.best_ask),
  };
}

/** Stress windows [start, end) to shade: every event that has started (active or over). */
export function stressWindows(events: EventLogEntry[], step: number): [number, number][] {
  return events
    .filter((e) => e.start_step <= step)
    .map((e) => [e.start_step, Math.min(e.end_step, Math.max(step, e.start_step + 1))] as [number, number]);
}
