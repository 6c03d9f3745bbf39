// Live market by server push: one EventSource on GET /stream, no polling of /market_state.
import { useEffect, useRef, useState } from "react";
import type { Agents, EventLogEntry, MarketState, StreamMessage } from "../../api/types";
import { emptyHistory, mergeTicks, type History } from "./history";

export interface LiveMarket {
  connected: boolean;
  state: MarketState | null;
  events: EventLogEntry[];
  agents: Agents | null;
  history: History;
  messages: number;
}

export function useMarketStream(url = "/stream"): LiveMarket {
  const [live, setLive] = useState<LiveMarket>({
    connected: false, state: null, events: [], agents: null, history: emptyHistory(), messages: 0,
  });
  const historyRef = useRef<History>(emptyHistory());

  useEffect(() => {
    if (typeof EventSource === "undefined") return undefined;
    const source = new EventSource(url);
    source.onopen = () => setLive((l) => ({ ...l, connected: true }));
    source.onerror = () => setLive((l) => ({ ...l, connected: false }));
    source.addEventListener("market", (event) => {
      let message: StreamMessage;
      try {
        message = JSON.parse((event as MessageEvent<string>).data) as StreamMessage;
      } catch {
        return; // a torn message: the next one carries the state again
      }
      const history = mergeTicks(historyRef.current, message.state.session ?? 0, message.ticks);
      historyRef.current = history;
      setLive((l) => ({
        connected: true,
        state: message.state,
        events: message.events,
        agents: message.agents ?? (l.state?.session === message.state.session ? l.agents : null),
        history,
        messages: l.messages + 1,
      }));
    });
    return () => source.close();
  }, [url]);

  return live;
}
