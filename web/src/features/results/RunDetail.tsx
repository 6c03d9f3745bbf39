import { useEffect, useMemo, useState } from "react";
import type uPlot from "uplot";
import { api } from "../../api/client";
import type { Hypothesis, MetricHistory, Run } from "../../api/types";
import { LineChart } from "../../components/LineChart";
import { HypothesisTable } from "./HypothesisTable";

/** `train/<policy>/<metric>` keys of a run, by policy. */
export function trainingKeys(metrics: Record<string, unknown>): Map<string, string[]> {
  const byPolicy = new Map<string, string[]>();
  for (const key of Object.keys(metrics).sort()) {
    const parts = key.split("/");
    if (parts.length === 3 && parts[0] === "train") {
      byPolicy.set(parts[1], [...(byPolicy.get(parts[1]) ?? []), parts[2]]);
    }
  }
  return byPolicy;
}

const PREFERRED = ["episode_return_mean", "module_episode_return_mean", "policy_loss", "total_loss"];

/** One run: its hypothesis table, a training curve per policy, and its plots. */
interface Props {
  runId: string;
  onError: (e: unknown) => void;
  /** start a live market whose RL agents are this run's trained policies */
  onUse?: (runId: string) => void;
}

export function RunDetail({ runId, onError, onUse }: Props) {
  const [run, setRun] = useState<Run | null>(null);
  const [hypotheses, setHypotheses] = useState<Hypothesis[] | null>(null);
  const [metric, setMetric] = useState<string>("");

  useEffect(() => {
    setRun(null);
    setHypotheses(null);
    api.run_(runId).then(setRun).catch(onError);
    api.hypotheses(runId).then((h) => setHypotheses(h.hypotheses)).catch(onError);
  }, [runId, onError]);

  const policies = useMemo(() => trainingKeys(run?.metrics ?? {}), [run]);
  const metricNames = useMemo(() => [...new Set([...policies.values()].flat())].sort(), [policies]);
  useEffect(() => {
    if (metricNames.length && !metricNames.includes(metric)) {
      setMetric(PREFERRED.find((m) => metricNames.includes(m)) ?? metricNames[0]);
    }
  }, [metricNames, metric]);
  const plots = (run?.artifacts ?? []).filter((a) => !a.is_dir && /^plots\/[^/]+\.png$/.test(a.path));

  return (
    <section className="card wide run-detail">
      <h2>Run {run?.run_name ?? runId} <span className="hint">{runId}</span>
        {onUse && <button className="small" onClick={() => onUse(runId)}>trade with its agents</button>}
      </h2>
      <h3>Hypotheses</h3>
      {hypotheses ? <HypothesisTable hypotheses={hypotheses} /> : <p className="muted">loading…</p>}
      <h3>Training curves
        {metricNames.length > 0 && (
          <select aria-label="training metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
            {metricNames.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        )}
      </h3>
      <div className="curves" data-testid="training-curves">
        {[...policies.entries()].filter(([, keys]) => keys.includes(metric)).map(([policy]) => (
          <TrainingCurve key={`${policy}/${metric}`} runId={runId} policy={policy} metric={metric} onError={onError} />
        ))}
        {run && policies.size === 0 && <p className="muted">no train/ metrics in this run</p>}
      </div>
      <h3>Plots</h3>
      <div className="plots" data-testid="run-plots">
        {plots.map((p) => (
          <figure key={p.path}>
            <img src={api.plotUrl(runId, p.path.slice("plots/".length))} alt={p.path} loading="lazy" />
            <figcaption>{p.path}</figcaption>
          </figure>
        ))}
        {run && plots.length === 0 && <p className="muted">no plots in this run</p>}
      </div>
    </section>
  );
}

function TrainingCurve({ runId, policy, metric, onError }: { runId: string; policy: string; metric: string; onError: (e: unknown) => void }) {
  const [history, setHistory] = useState<MetricHistory | null>(null);
  useEffect(() => {
    api.metric(runId, `train/${policy}/${metric}`).then(setHistory).catch(onError);
  }, [runId, policy, metric, onError]);
  const data = useMemo(() => {
    const points = history?.points ?? [];
    return [points.map((p) => p.step), points.map((p) => p.value ?? null)] as unknown as uPlot.AlignedData;
  }, [history]);
  return (
    <div className="curve">
      <h4>{policy}</h4>
      {history && <LineChart data={data} series={[{ label: metric, stroke: "#60a5fa", width: 2 }]} height={180} xLabel="iteration" />}
    </div>
  );
}
