import { useMemo } from "react";
import type uPlot from "uplot";
import { LineChart, type SeriesSpec } from "../../components/LineChart";
import type { EventLogEntry } from "../../api/types";
import { stressWindows, type History } from "./history";

const SERIES: SeriesSpec[] = [
  { label: "mid", stroke: "#e5e7eb", width: 2 },
  { label: "best bid", stroke: "#22c55e", width: 1 },
  { label: "best ask", stroke: "#f97316", width: 1 },
];

/** Mid, best bid and best ask of every step so far; stress windows shaded red. */
export function PriceChart({ history, events, step }: { history: History; events: EventLogEntry[]; step: number }) {
  const data = useMemo(
    () => [history.step, history.mid, history.bid, history.ask] as unknown as uPlot.AlignedData,
    [history],
  );
  const bands = useMemo(() => stressWindows(events, step), [events, step]);
  return (
    <section className="card wide">
      <h2>Price <span className="hint">mid, best bid and ask; red = stress window</span></h2>
      <div data-testid="price-chart" data-points={history.step.length}>
        <LineChart data={data} series={SERIES} bands={bands} height={280} />
      </div>
    </section>
  );
}
