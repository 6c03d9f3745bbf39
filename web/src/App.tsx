import { useCallback, useEffect, useState } from "react";
import { api, messageOf } from "./api/client";
import { ErrorBanner, ErrorBoundary } from "./components/ErrorBanner";
import { AgentsTable } from "./features/agents/AgentsTable";
import { Controls } from "./features/market/Controls";
import { EventLog } from "./features/market/EventLog";
import { OrderBook } from "./features/market/OrderBook";
import { PriceChart } from "./features/market/PriceChart";
import { Trades } from "./features/market/Trades";
import { useMarketStream } from "./features/market/useMarketStream";
import { ResultsPanel } from "./features/results/ResultsPanel";
import { InjectEventForm } from "./features/stress/InjectEventForm";
import type { Agents } from "./api/types";

type Tab = "market" | "results";

export function App() {
  const live = useMarketStream();
  const [tab, setTab] = useState<Tab>("market");
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [added, setAdded] = useState<string[]>([]);
  const [agentsNow, setAgentsNow] = useState<Agents | null>(null);
  const onError = useCallback((err: unknown) => setError(messageOf(err)), []);
  const refreshAgents = useCallback(() => {
    api.agents().then(setAgentsNow).catch(onError);
  }, [onError]);

  useEffect(() => {
    if (live.agents) setAgentsNow(live.agents);
  }, [live.agents]);
  const tradeWithRun = useCallback((runId: string) => {
    api.start({ run_id: runId, seed: 7 })
      .then((started) => {
        setNote(started.note);
        setTab("market");
      })
      .catch(onError);
  }, [onError]);
  const session = live.state?.session;
  const agents = agentsNow;
  const [knownSession, setKnownSession] = useState<number | undefined>(undefined);
  if (session !== knownSession) {
    setKnownSession(session);
    setAdded([]);
  }

  return (
    <div className="app">
      <header>
        <h1>The Thinking Market</h1>
        <nav>
          <button className={tab === "market" ? "tab selected" : "tab"} onClick={() => setTab("market")}>Live market</button>
          <button className={tab === "results" ? "tab selected" : "tab"} onClick={() => setTab("results")}>Results</button>
        </nav>
        <span className={`conn ${live.connected ? "on" : "off"}`} title="server push (GET /stream)">
          {live.connected ? "live" : "offline"}
        </span>
        <a className="docs" href="/docs">API docs</a>
      </header>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {tab === "market" && (
        <main className="market-grid">
          <ErrorBoundary name="Controls">
            <Controls state={live.state} onError={onError} onNote={setNote} />
          </ErrorBoundary>
          {note && <p className="note wide">{note}</p>}
          <ErrorBoundary name="Price">
            <PriceChart history={live.history} events={live.events} step={live.state?.step ?? 0} />
          </ErrorBoundary>
          <ErrorBoundary name="Order book">
            <OrderBook bids={live.state?.bids ?? []} asks={live.state?.asks ?? []} />
          </ErrorBoundary>
          <ErrorBoundary name="Trades">
            <Trades trades={live.state?.last_trades ?? []} />
          </ErrorBoundary>
          <ErrorBoundary name="Stress events">
            <EventLog events={live.events} />
          </ErrorBoundary>
          <ErrorBoundary name="Agents">
            <AgentsTable
              agents={agents}
              added={added}
              onAdded={(id) => { setAdded((a) => [...a, id]); refreshAgents(); }}
              onRemoved={() => refreshAgents()}
              onError={onError}
            />
          </ErrorBoundary>
          <ErrorBoundary name="Stress">
            <InjectEventForm onError={onError} />
          </ErrorBoundary>
        </main>
      )}
      {tab === "results" && (
        <main>
          <ErrorBoundary name="Results">
            <ResultsPanel onError={onError} onUse={tradeWithRun} />
          </ErrorBoundary>
        </main>
      )}
    </div>
  );
}
