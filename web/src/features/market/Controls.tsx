import { useState } from "react";
import { api } from "../../api/client";
import type { MarketState, SimulationStart } from "../../api/types";

type Source = "defaults" | "experiment" | "run";

interface Props {
  state: MarketState | null;
  onError: (err: unknown) => void;
  onNote: (note: string) => void;
}

/** Start (seed, experiment or run id), step N, run/pause at a speed, reset. */
export function Controls({ state, onError, onNote }: Props) {
  const [seed, setSeed] = useState("7");
  const [source, setSource] = useState<Source>("defaults");
  const [name, setName] = useState("");
  const [steps, setSteps] = useState("10");
  const [speed, setSpeed] = useState("50");
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  const seedValue = () => (seed.trim() === "" ? null : Number(seed));
  const start = () => act(async () => {
    const body: SimulationStart = { seed: seedValue() };
    if (source === "experiment") body.experiment = name.trim();
    if (source === "run") body.run_id = name.trim();
    const started = await api.start(body);
    onNote(started.note);
  });
  const running = Boolean(state?.running);

  return (
    <section className="card controls wide">
      <div className="status">
        <span className="step-label">step</span>
        <span className="step" data-testid="market-step">{state ? state.step : "–"}</span>
        <span className="muted">/ {state?.episode_length ?? "–"}</span>
        <span className="quote">mid <b>{state?.mid?.toFixed(2) ?? "–"}</b></span>
        <span className="quote">spread <b>{state?.spread?.toFixed(2) ?? "–"}</b></span>
        {running && <span className="badge active">running {state?.speed ?? ""} steps/s</span>}
        {state?.done && <span className="badge over">episode over</span>}
        {!state && <span className="badge scheduled">no market: press Start</span>}
      </div>
      <div className="row">
        <label>seed <input aria-label="seed" value={seed} onChange={(e) => setSeed(e.target.value)} size={6} /></label>
        <label>from
          <select aria-label="source" value={source} onChange={(e) => setSource(e.target.value as Source)}>
            <option value="defaults">defaults</option>
            <option value="experiment">experiment config</option>
            <option value="run">run id</option>
          </select>
        </label>
        {source !== "defaults" && (
          <input aria-label="experiment or run id" placeholder={source === "run" ? "MLflow run id" : "e.g. herding"}
            value={name} onChange={(e) => setName(e.target.value)} size={26} />
        )}
        <button data-testid="start-button" disabled={busy} onClick={start}>Start</button>
        <span className="sep" />
        <label>steps <input aria-label="steps" value={steps} onChange={(e) => setSteps(e.target.value)} size={5} /></label>
        <button data-testid="step-button" disabled={busy || running}
          onClick={() => act(() => api.step(Number(steps)))}>Step</button>
        <label>speed <input aria-label="speed" value={speed} onChange={(e) => setSpeed(e.target.value)} size={5} /> steps/s</label>
        <button data-testid="run-button" className={running ? "pause" : ""}
          onClick={() => act(() => (running ? api.pause() : api.run(Number(speed))))}>
          {running ? "Pause" : "Run"}
        </button>
        <button data-testid="reset-button" disabled={busy}
          onClick={() => act(() => api.reset(seedValue()))}>Reset</button>
      </div>
    </section>
  );
}
