// The one API-client layer: every call goes through `request`, which turns a non-2xx answer
// into an ApiError carrying the server's `detail`, so components show it instead of crashing.
import type {
  AgentCreate, Agents, EventCreate, Experiment, MarketState, MetricHistory, Run,
  RunHypotheses, RunsPage, Simulation, SimulationStart,
} from "./types";

export class ApiError extends Error {
  constructor(public status: number, public detail: string) {
    super(`${status}: ${detail}`);
    this.name = "ApiError";
  }
}

/** The `detail` of an error body: a string, or FastAPI's list of validation errors. */
export function detailOf(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => {
          const item = d as { loc?: unknown[]; msg?: string };
          const where = Array.isArray(item.loc) ? item.loc.filter((x) => x !== "body").join(".") : "";
          return where ? `${where}: ${item.msg ?? ""}` : String(item.msg ?? JSON.stringify(d));
        })
        .join("; ");
    }
  }
  return fallback;
}

export async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { "Content-Type": "application/json", ...(init?.headers ?? {}) },
    });
  } catch (err) {
    throw new ApiError(0, `the server cannot be reached (${String(err)})`);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, detailOf(body, text || response.statusText));
  }
  return body as T;
}

const post = <T>(path: string, body?: unknown) =>
  request<T>(path, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });

export const api = {
  start: (body: SimulationStart) => post<Simulation>("/start_simulation", body),
  step: (steps: number) => post<MarketState>("/step_simulation", { steps }),
  run: (speed: number) => post<MarketState>("/run_simulation", { speed }),
  pause: () => post<MarketState>("/pause_simulation"),
  reset: (seed: number | null) => post<Simulation>("/reset_simulation", { seed }),
  agents: () => request<Agents>("/agents"),
  addAgent: (body: AgentCreate) => post<{ id: string }>("/add_agent", body),
  removeAgent: (id: string) =>
    request<{ id: string }>(`/agents/${encodeURIComponent(id)}`, { method: "DELETE" }),
  injectEvent: (body: EventCreate) => post<unknown>("/inject_event", body),
  experiments: () => request<{ experiments: Experiment[] }>("/experiments"),
  runs: (name: string, pageToken?: string | null) =>
    request<RunsPage>(
      `/experiments/${encodeURIComponent(name)}/runs?page_size=20` +
        (pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ""),
    ),
  run_: (runId: string) => request<Run>(`/runs/${encodeURIComponent(runId)}`),
  hypotheses: (runId: string) =>
    request<RunHypotheses>(`/runs/${encodeURIComponent(runId)}/hypotheses`),
  metric: (runId: string, key: string) =>
    request<MetricHistory>(
      `/runs/${encodeURIComponent(runId)}/metrics/${key.split("/").map(encodeURIComponent).join("/")}?max_points=500`,
    ),
  plotUrl: (runId: string, file: string) =>
    `/runs/${encodeURIComponent(runId)}/plots/${encodeURIComponent(file)}`,
};

/** A message for any thrown value (ApiError's detail, else its text). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.status ? `${err.status} — ${err.detail}` : err.detail;
  return err instanceof Error ? err.message : String(err);
}
