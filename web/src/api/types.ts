// Names for the API's shapes, all taken from the types generated from /openapi.json
// (src/api/schema.d.ts, made by `npm run gen:api`): nothing here is written twice.
import type { components } from "./schema";

type Schemas = components["schemas"];
export type MarketState = Schemas["MarketStatePublic"];
export type StreamMessage = Schemas["StreamMessage"];
export type PriceTicks = Schemas["PriceTicks"];
export type EventLogEntry = Schemas["EventLogEntry"];
export type Level = Schemas["Level"];
export type Trade = Schemas["Trade"];
export type Agents = Schemas["AgentsPublic"];
export type Agent = Schemas["AgentPublic"];
export type AgentGroup = Schemas["AgentGroupPublic"];
export type AgentCreate = Schemas["AgentCreate"];
export type AgentType = Schemas["AgentType"];
export type EventCreate = Schemas["EventCreate"];
export type EventType = Schemas["EventType"];
export type SimulationStart = Schemas["SimulationStart"];
export type Simulation = Schemas["SimulationPublic"];
export type Experiment = Schemas["ExperimentPublic"];
export type RunSummary = Schemas["RunSummaryPublic"];
export type RunsPage = Schemas["RunsPagePublic"];
export type Run = Schemas["RunPublic"];
export type Hypothesis = Schemas["HypothesisPublic"];
export type RunHypotheses = Schemas["RunHypothesesPublic"];
export type MetricHistory = Schemas["MetricHistoryPublic"];
