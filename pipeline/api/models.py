"""Request and response bodies of the API, one pydantic model per direction.

Bounds on the work of one request (steps, page sizes, metric points, trader counts) live here
so the OpenAPI schema states them and FastAPI refuses anything outside them with a 422.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# The market's vocabulary (one definition, market/vocabulary.py), re-exported under these names.
from market.vocabulary import AgentType as AgentType
from market.vocabulary import EventType as EventType
from market.vocabulary import TraderType as TraderType
from pipeline.names import HypothesisName as HypothesisName
from pipeline.names import RunKind as RunKind

MAX_STEPS = 10_000
MAX_SEED = 2**32 - 1
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_METRIC_POINTS = 10_000
DEFAULT_METRIC_POINTS = 1_000
MAX_BACKGROUND_PER_TYPE = 500
MAX_PARAMS = 32
MAX_FUTURE_STEPS = 1_000_000
MAX_REPLICATE = 999
MAX_SPEED = 2_000  # steps per second of a running market

RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"  # as MLflow validates run ids
NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,100}$"
METRIC_KEY_PATTERN = r"^[A-Za-z0-9_\-. /]{1,250}$"
PLOT_NAME_PATTERN = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}\.png$"  # a file name, never a path

RunId = Annotated[str, StringConstraints(pattern=RUN_ID_PATTERN)]
ConfigName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
ParamName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ParamValue = int | float | bool | Annotated[str, StringConstraints(max_length=200)] | None
Params = Annotated[dict[ParamName, ParamValue], Field(max_length=MAX_PARAMS)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Replicate = Annotated[int, Field(ge=0, le=MAX_REPLICATE)]
REPLICATE_HELP = "replicate whose checkpoint to use (default: the run's own, else replicate 0)"
SimulationSource = Literal["defaults", "experiment", "run"]


class RequestBody(BaseModel):
    """Base of request bodies: unknown fields are refused, so a misspelt field is a 422."""

    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    """Body of every 4xx the API raises itself: ``detail`` says what is wrong."""

    detail: str


# ---- live simulation: requests ------------------------------------------------------------


class SimulationStart(RequestBody):
    """Body of ``POST /start_simulation``; every field is optional."""

    seed: Seed | None = None
    experiment: ConfigName | None = Field(
        default=None, description="name of a config in conf/experiment/ (e.g. herding)"
    )
    run_id: RunId | None = Field(
        default=None, description="MLflow run whose config and trained checkpoint to use"
    )
    replicate: Replicate | None = Field(default=None, description=REPLICATE_HELP)
    background: dict[TraderType, Annotated[int, Field(ge=0, le=MAX_BACKGROUND_PER_TYPE)]] | None = (
        Field(default=None, description="background trader counts by type")
    )


class StepRequest(RequestBody):
    """Body of ``POST /step_simulation``."""

    steps: int = Field(default=1, ge=1, le=MAX_STEPS)


class RunRequest(RequestBody):
    """Body of ``POST /run_simulation``: step continuously at ``speed`` steps per second."""

    speed: float = Field(default=20.0, gt=0, le=MAX_SPEED)


class ResetRequest(RequestBody):
    """Body of ``POST /reset_simulation``: a new seed, or null to replay the same one."""

    seed: Seed | None = None


class AgentCreate(RequestBody):
    """Body of ``POST /add_agent``."""

    type: AgentType
    params: Params | None = None
    run_id: RunId | None = Field(default=None, description="run whose checkpoint an rl agent uses")
    policy: ConfigName | None = Field(default=None, description="policy id in that checkpoint")
    replicate: Replicate | None = Field(default=None, description=REPLICATE_HELP)


class EventCreate(RequestBody):
    """Body of ``POST /inject_event``: now (``at_step`` null) or at a future step."""

    type: EventType
    params: Params | None = None
    at_step: int | None = Field(default=None, ge=0, le=MAX_FUTURE_STEPS)


# ---- live simulation: responses ------------------------------------------------------------


class Level(BaseModel):
    """One price level of the book."""

    price: float
    qty: int


class Trade(BaseModel):
    """One recent trade."""

    price: float
    qty: int
    step: int | None = None
    side: str | None = Field(default=None, description="side of the aggressor (taker)")


class ActiveEvent(BaseModel):
    """A stress event that is running or scheduled."""

    type: str
    start_step: int | None = None
    end_step: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class MarketStatePublic(BaseModel):
    """The market now: quotes, depth, recent trades, active stress events."""

    step: int
    session: int = Field(default=0, description="grows by one with every start and reset")
    episode_length: int | None = None
    done: bool = False
    running: bool = Field(default=False, description="stepping continuously (run_simulation)")
    speed: float | None = Field(default=None, description="steps per second while running")
    mid: float | None = None
    best_bid: float | None = None
    best_ask: float | None = None
    spread: float | None = None
    bids: list[Level] = Field(default_factory=list)
    asks: list[Level] = Field(default_factory=list)
    last_trades: list[Trade] = Field(default_factory=list)
    active_events: list[ActiveEvent] = Field(default_factory=list)


class StepPublic(MarketStatePublic):
    """Market state after ``POST /step_simulation``; ``steps_done`` < steps if the episode ended."""

    steps_done: int


class RLAgentPublic(BaseModel):
    """An RL agent of the live simulation and what drives it."""

    name: str
    style: str
    policy: Literal["checkpoint", "rule_based"]


class SimulationPublic(BaseModel):
    """Answer of start and reset: where the market came from and who trades in it."""

    source: SimulationSource
    experiment: str | None = None
    run_id: str | None = None
    seed: int | None = None
    background: dict[str, int] = Field(default_factory=dict)
    rl_agents: list[RLAgentPublic] = Field(default_factory=list)
    note: str
    state: MarketStatePublic


class AgentPublic(BaseModel):
    """One trader's account, marked to the current mid."""

    id: str
    type: str
    kind: Literal["rl", "background", "event"]
    active: bool = Field(description="false once removed: the account stays (conservation)")
    position: int
    cash: float
    pnl: float | None = None


class AgentGroupPublic(BaseModel):
    """Background traders of one type, summed (removed ones too: their accounts stay)."""

    type: str
    count: int
    active: int = Field(default=0, description="how many of them still trade")
    position: int
    cash: float
    pnl: float | None = None


class AgentsPublic(BaseModel):
    """Answer of ``GET /agents``."""

    step: int
    agents: list[AgentPublic]
    groups: list[AgentGroupPublic]


class AgentCreated(BaseModel):
    """Answer of ``POST /add_agent``."""

    id: str
    type: AgentType
    policy: Literal["checkpoint", "rule_based"] | None = None


class AgentRemoved(BaseModel):
    """Answer of ``DELETE /agents/{id}``."""

    id: str
    removed: bool = True


class AgentMetricsPublic(BaseModel):
    """Performance of one RL agent over the episode so far."""

    agent: str
    pnl: float | None = None
    sharpe: float | None = None
    max_drawdown: float | None = None
    win_rate: float | None = None
    avg_trade_size: float | None = None
    trade_frequency: float | None = None
    volatility_contribution: float | None = None
    liquidity_provision: float | None = None


class PerformancePublic(BaseModel):
    """Answer of ``GET /performance_metrics``."""

    step: int
    agents: list[AgentMetricsPublic]


class StylizedFactsPublic(BaseModel):
    """Stylized facts of the simulated returns so far."""

    excess_kurtosis: float | None = None
    tail_index: float | None = None
    acf_returns_lag1: float | None = None
    acf_abs_returns: dict[int, float | None] = Field(default_factory=dict)


class MarketAnalysisPublic(BaseModel):
    """Answer of ``GET /market_analysis``."""

    step: int
    n_returns: int
    metrics: dict[str, float | None]
    spread: dict[str, float | None]
    depth: dict[str, float | None]
    stylized_facts: StylizedFactsPublic | None = None
    note: str | None = None


class EventInjected(BaseModel):
    """Answer of ``POST /inject_event``."""

    type: EventType
    at_step: int
    duration: int
    params: dict[str, Any]
    active_events: list[ActiveEvent]


class EventLogEntry(BaseModel):
    """A stress event of the episode: scheduled, active or over."""

    type: str
    start_step: int
    end_step: int
    params: dict[str, Any] = Field(default_factory=dict)
    status: Literal["scheduled", "active", "over"]


class EventLogPublic(BaseModel):
    """Answer of ``GET /events``: every stress event of the episode so far."""

    step: int
    events: list[EventLogEntry]


class PriceTicks(BaseModel):
    """Quotes of consecutive steps, as columns; ``first`` is the index of the first point."""

    first: int
    step: list[int]
    mid: list[float | None]
    best_bid: list[float | None]
    best_ask: list[float | None]


class StreamMessage(BaseModel):
    """One message of ``GET /stream`` (Server-Sent Events, ``event: market``).

    ``ticks`` holds the quotes since the last message, or the whole episode when ``ticks.first``
    is 0 (first message, or a new session): the client appends, or replaces its history.
    ``agents`` comes at most a few times a second, null in between.
    """

    state: MarketStatePublic
    ticks: PriceTicks
    events: list[EventLogEntry]
    agents: AgentsPublic | None = None
