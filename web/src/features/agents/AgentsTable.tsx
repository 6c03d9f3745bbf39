import { useState } from "react";
import { api } from "../../api/client";
import type { Agent, AgentCreate, AgentType, Agents } from "../../api/types";

const money = (x: number | null | undefined) =>
  x === null || x === undefined ? "–" : x.toLocaleString("en-US", { maximumFractionDigits: 2 });

interface Props {
  agents: Agents | null;
  added: string[];
  onAdded: (id: string) => void;
  onRemoved: (id: string) => void;
  onError: (e: unknown) => void;
}

/** RL agents and the traders added here one by one, then background groups; add and remove. */
export function AgentsTable({ agents, added, onAdded, onRemoved, onError }: Props) {
  const rows = agents?.agents ?? [];
  const byId = new Map(rows.map((a) => [a.id, a]));
  const individual: Agent[] = [
    ...rows.filter((a) => a.kind === "rl"),
    ...added.map((id) => byId.get(id)).filter((a): a is Agent => a !== undefined && a.kind !== "rl"),
  ];
  const remove = async (id: string) => {
    try {
      await api.removeAgent(id);
      onRemoved(id);
    } catch (err) {
      onError(err);
    }
  };
  return (
    <section className="card span2">
      <h2>Agents <span className="hint">marked to the mid</span></h2>
      <table data-testid="agents-table" className="compact">
        <thead>
          <tr><th>agent</th><th>type</th><th>count</th><th>position</th><th>cash</th><th>PnL</th><th /></tr>
        </thead>
        <tbody>
          {individual.map((a) => (
            <tr key={a.id} data-agent={a.id} className={a.active ? "" : "inactive"}>
              <td>{a.id}</td>
              <td>{a.kind === "rl" ? "RL" : a.type}</td>
              <td className="num">1</td>
              <td className="num">{a.position}</td>
              <td className="num">{money(a.cash)}</td>
              <td className={`num ${(a.pnl ?? 0) >= 0 ? "pos" : "neg"}`}>{money(a.pnl)}</td>
              <td>{a.active
                ? <button className="small" data-testid={`remove-${a.id}`} onClick={() => remove(a.id)}>remove</button>
                : <span className="muted">removed</span>}</td>
            </tr>
          ))}
          {(agents?.groups ?? []).map((g) => (
            <tr key={`group-${g.type}`} data-group={g.type} className="group">
              <td>{g.type} (all)</td>
              <td>background</td>
              <td className="num" title={`${g.count} accounts, ${g.active ?? g.count} trading`}>
                {(g.active ?? g.count) === g.count ? g.count : `${g.active} of ${g.count}`}
              </td>
              <td className="num">{g.position}</td>
              <td className="num">{money(g.cash)}</td>
              <td className={`num ${(g.pnl ?? 0) >= 0 ? "pos" : "neg"}`}>{money(g.pnl)}</td>
              <td />
            </tr>
          ))}
          {!agents && <tr><td colSpan={7} className="muted">no market yet</td></tr>}
        </tbody>
      </table>
      <AddAgentForm onAdded={onAdded} onError={onError} />
    </section>
  );
}

const TYPES: AgentType[] = ["noise", "fundamentalist", "momentum", "market_maker", "rl"];

/** The body of POST /add_agent from the form; params as JSON (may be empty). */
export function agentBody(type: AgentType, paramsText: string, runId: string): AgentCreate {
  let params: unknown = {};
  if (paramsText.trim()) {
    try {
      params = JSON.parse(paramsText);
    } catch {
      throw new Error('params must be a JSON object, e.g. {"p_act": 0.5}');
    }
  }
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new Error('params must be a JSON object, e.g. {"p_act": 0.5}');
  }
  const body: AgentCreate = { type, params: params as AgentCreate["params"] };
  if (type === "rl" && runId.trim()) body.run_id = runId.trim();
  return body;
}

function AddAgentForm({ onAdded, onError }: { onAdded: (id: string) => void; onError: (e: unknown) => void }) {
  const [type, setType] = useState<AgentType>("noise");
  const [paramsText, setParamsText] = useState("");
  const [runId, setRunId] = useState("");
  const add = async () => {
    try {
      const created = await api.addAgent(agentBody(type, paramsText, runId));
      onAdded(created.id);
    } catch (err) {
      onError(err);
    }
  };
  return (
    <div className="form">
      <label>add
        <select aria-label="agent type" value={type} onChange={(e) => setType(e.target.value as AgentType)}>
          {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <input aria-label="agent params" placeholder='params, e.g. {"p_act": 0.5}' value={paramsText}
        onChange={(e) => setParamsText(e.target.value)} size={24} />
      {type === "rl" && (
        <input aria-label="agent run id" placeholder="run id (empty: rule-based)" value={runId}
          onChange={(e) => setRunId(e.target.value)} size={20} />
      )}
      <button data-testid="add-agent-button" onClick={add}>Add</button>
    </div>
  );
}
