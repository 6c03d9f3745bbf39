import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { Experiment, RunSummary } from "../../api/types";
import { decision } from "./HypothesisTable";
import { RunDetail } from "./RunDetail";

const SHORT: Record<string, string> = {
  volatility_amplification: "H1", liquidity_impact: "H2", herding: "H3",
};

/** Experiments, then runs (status, date, outcomes), then one run in detail. */
export function ResultsPanel({ onError, onUse }: { onError: (e: unknown) => void; onUse?: (runId: string) => void }) {
  const [experiments, setExperiments] = useState<Experiment[] | null>(null);
  const [experiment, setExperiment] = useState<string | null>(null);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [children, setChildren] = useState(false);
  const shown = runs.filter((r) => children || !r.parent_run_id);

  useEffect(() => {
    api.experiments().then((b) => setExperiments(b.experiments)).catch(onError);
  }, [onError]);

  const open = async (name: string) => {
    setExperiment(name);
    setRunId(null);
    try {
      const page = await api.runs(name);
      setRuns(page.runs);
      setNext(page.next_page_token ?? null);
    } catch (err) {
      onError(err);
    }
  };
  const more = async () => {
    if (!experiment || !next) return;
    try {
      const page = await api.runs(experiment, next);
      setRuns((r) => [...r, ...page.runs]);
      setNext(page.next_page_token ?? null);
    } catch (err) {
      onError(err);
    }
  };

  return (
    <div className="results-grid">
      <section className="card">
        <h2>Experiments</h2>
        <ul data-testid="experiments-list" className="list">
          {(experiments ?? []).map((e) => (
            <li key={e.experiment_id}>
              <button className={`link ${e.name === experiment ? "selected" : ""}`} onClick={() => open(e.name)}>{e.name}</button>
            </li>
          ))}
          {experiments && experiments.length === 0 && <li className="muted">no experiments in the store</li>}
          {!experiments && <li className="muted">loading…</li>}
        </ul>
      </section>
      <section className="card wide">
        <h2>Runs {experiment && <span className="hint">of {experiment}, newest first</span>}
          <label className="hint"><input type="checkbox" checked={children} onChange={(e) => setChildren(e.target.checked)} /> child runs (replicates, trials)</label>
        </h2>
        <table data-testid="runs-list" className="compact">
          <thead><tr><th>run</th><th>kind</th><th>status</th><th>started</th><th>outcomes</th></tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.run_id} data-run={r.run_id} className={r.run_id === runId ? "selected" : ""}>
                <td><button className="link" onClick={() => setRunId(r.run_id)}>{r.run_name ?? r.run_id.slice(0, 8)}</button></td>
                <td>{r.kind ?? ""}</td>
                <td><span className={`badge ${r.status === "FINISHED" ? "over" : r.status === "RUNNING" ? "active" : "scheduled"}`}>{r.status}</span></td>
                <td>{r.start_time ? new Date(r.start_time).toLocaleString() : ""}</td>
                <td>{(r.hypotheses ?? []).map((h) => {
                  const d = decision(h);
                  return <span key={h.name} title={h.name} className={`chip ${d.reject ? "reject" : "keep"}`}>{SHORT[h.name] ?? h.name} {d.reject ? "✓" : "✗"}</span>;
                })}</td>
              </tr>
            ))}
            {experiment && shown.length === 0 && <tr><td colSpan={5} className="muted">no runs</td></tr>}
            {!experiment && <tr><td colSpan={5} className="muted">pick an experiment</td></tr>}
          </tbody>
        </table>
        {next && <button onClick={more}>more runs</button>}
      </section>
      {runId && <RunDetail runId={runId} onError={onError} onUse={onUse} />}
    </div>
  );
}
