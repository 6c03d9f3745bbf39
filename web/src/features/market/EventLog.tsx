import type { EventLogEntry } from "../../api/types";

const params = (p: Record<string, unknown>) =>
  Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(", ");

/** Every stress event of the episode: scheduled, active (highlighted) or over. */
export function EventLog({ events }: { events: EventLogEntry[] }) {
  return (
    <section className="card scroll">
      <h2>Stress events</h2>
      <table data-testid="event-log" className="compact">
        <thead><tr><th>event</th><th>steps</th><th>status</th><th>params</th></tr></thead>
        <tbody>
          {events.map((e, i) => (
            <tr key={`${e.type}-${e.start_step}-${i}`} className={`status-${e.status}`}>
              <td>{e.type}</td>
              <td className="num">{e.start_step}–{e.end_step}</td>
              <td><span className={`badge ${e.status}`}>{e.status}</span></td>
              <td className="params">{params(e.params ?? {})}</td>
            </tr>
          ))}
          {events.length === 0 && <tr><td colSpan={4} className="muted">no stress event scheduled</td></tr>}
        </tbody>
      </table>
    </section>
  );
}
