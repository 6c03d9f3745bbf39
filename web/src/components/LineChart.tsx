// A uPlot line chart that keeps one plot instance and feeds it new data (cheap at 20 Hz).
// Optional `bands` shade x-ranges (stress windows) in a draw hook on uPlot's own canvas.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface SeriesSpec {
  label: string;
  stroke: string;
  width?: number;
  dash?: number[];
}

interface Props {
  data: uPlot.AlignedData;
  series: SeriesSpec[];
  bands?: [number, number][];
  height?: number;
  xLabel?: string;
  testId?: string;
  title?: string;
  /** x takes whole numbers only (training iterations): no 1.25 ticks */
  integerX?: boolean;
}

const INTEGER_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

export function LineChart({
  data, series, bands = [], height = 260, xLabel = "step", testId, title, integerX = true,
}: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const bandsRef = useRef(bands);
  bandsRef.current = bands;

  useEffect(() => {
    const el = holder.current;
    if (!el) return undefined;
    const shade = (u: uPlot) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.fillStyle = "rgba(239, 68, 68, 0.16)";
      for (const [start, end] of bandsRef.current) {
        const x0 = u.valToPos(start, "x", true);
        const x1 = u.valToPos(end, "x", true);
        const left = Math.max(x0, bbox.left);
        const right = Math.min(x1, bbox.left + bbox.width);
        if (right > left) ctx.fillRect(left, bbox.top, right - left, bbox.height);
      }
      ctx.restore();
    };
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height,
      title,
      scales: { x: { time: false } },
      axes: [
        {
          label: xLabel, stroke: "#9ca3af", grid: { stroke: "#1f2937" }, ticks: { stroke: "#374151" },
          incrs: integerX ? INTEGER_INCRS : undefined, labelSize: 20,
        },
        { stroke: "#9ca3af", grid: { stroke: "#1f2937" }, ticks: { stroke: "#374151" }, size: 70 },
      ],
      series: [{ label: xLabel }, ...series.map((s) => ({
        label: s.label, stroke: s.stroke, width: s.width ?? 1.5, dash: s.dash, spanGaps: false,
      }))],
      legend: { live: true },
      hooks: { drawClear: [shade] },
    };
    plot.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(el.clientWidth, 300), height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The plot is built once per series layout; data flows in through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series.map((s) => s.label).join("|"), height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data, bands]);

  return <div className="chart" ref={holder} data-testid={testId} />;
}
