import { useState } from "react";
import { api } from "../../api/client";
import type { EventCreate, EventType } from "../../api/types";

export const EVENT_DEFAULTS: Record<EventType, string> = {
  flash_crash: '{"qty_per_step": 300, "duration": 5}',
  liquidity_shock: '{"duration": 20}',
  news_shock: '{"jump": -0.02}',
  volatility_regime: '{"scale": 3, "duration": 50}',
};

/** The body of POST /inject_event from the form's fields; throws on params that are not JSON. */
export function eventBody(type: EventType, paramsText: string, when: "now" | "at", atStep: string): EventCreate {
  let params: unknown;
  try {
    params = paramsText.trim() ? JSON.parse(paramsText) : {};
  } catch {
    throw new Error(`params must be a JSON object, e.g. ${EVENT_DEFAULTS[type]}`);
  }
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new Error(`params must be a JSON object, e.g. ${EVENT_DEFAULTS[type]}`);
  }
  const body: EventCreate = { type, params: params as EventCreate["params"] };
  if (when === "at") body.at_step = Number(atStep);
  return body;
}

/** Inject a stress event now or at a later step; it then shows in the event log and the chart. */
export function InjectEventForm({ onError, onDone }: { onError: (e: unknown) => void; onDone?: () => void }) {
  const [type, setType] = useState<EventType>("flash_crash");
  const [paramsText, setParamsText] = useState(EVENT_DEFAULTS.flash_crash);
  const [when, setWhen] = useState<"now" | "at">("now");
  const [atStep, setAtStep] = useState("100");

  const submit = async () => {
    try {
      await api.injectEvent(eventBody(type, paramsText, when, atStep));
      onDone?.();
    } catch (err) {
      onError(err);
    }
  };
  return (
    <section className="card">
      <h2>Stress</h2>
      <div className="form">
        <label>type
          <select aria-label="event type" value={type} onChange={(e) => {
            const next = e.target.value as EventType;
            setType(next);
            setParamsText(EVENT_DEFAULTS[next]);
          }}>
            {(Object.keys(EVENT_DEFAULTS) as EventType[]).map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label>params <input aria-label="event params" value={paramsText} onChange={(e) => setParamsText(e.target.value)} size={34} /></label>
        <label><input type="radio" name="when" checked={when === "now"} onChange={() => setWhen("now")} /> now</label>
        <label><input type="radio" name="when" checked={when === "at"} onChange={() => setWhen("at")} /> at step
          <input aria-label="at step" value={atStep} onChange={(e) => setAtStep(e.target.value)} size={6} disabled={when !== "at"} />
        </label>
        <button data-testid="inject-event-button" onClick={submit}>Inject</button>
      </div>
    </section>
  );
}
