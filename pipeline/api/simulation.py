"""The one live market simulation of a server process, safe under concurrent requests.

Every read or change of the market happens under one lock. After each change the public market
state is serialised once, so ``GET /market_state`` answers from that snapshot without the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from pipeline.api import market_views
from pipeline.api.errors import BadRequestError, ConflictError, NotFoundError
from pipeline.api.live import PriceHistory, event_log
from pipeline.api.models import (
    AgentCreated,
    AgentRemoved,
    AgentsPublic,
    AgentType,
    EventCreate,
    EventInjected,
    EventLogEntry,
    MarketAnalysisPublic,
    MarketStatePublic,
    PerformancePublic,
    RLAgentPublic,
    SimulationPublic,
    SimulationSource,
    StepPublic,
    StreamMessage,
)
from pipeline.api.runner import Runner

NOT_STARTED = "no simulation running: POST /start_simulation first"


class Policy(Protocol):
    """What drives an RL agent of the live market: an observation in, a Discrete(3) action out."""

    def act(self, obs: np.ndarray) -> int: ...


@dataclass
class RLAgentPlan:
    """An RL agent and the policy that drives it."""

    name: str
    style: str
    policy: Policy
    from_checkpoint: bool


@dataclass
class SimulationPlan:
    """What a live market is built from: env config, RL policies and where they came from."""

    env_config: dict[str, Any]
    source: SimulationSource
    agents: list[RLAgentPlan]
    experiment: str | None = None
    run_id: str | None = None
    note: str = ""


def _policy_kind(agent: RLAgentPlan) -> Literal["checkpoint", "rule_based"]:
    return "checkpoint" if agent.from_checkpoint else "rule_based"


EnvFactory = Callable[[dict[str, Any]], Any]


def _default_env_factory(config: dict[str, Any]) -> Any:
    from market.env import MultiAgentMarketEnv

    return MultiAgentMarketEnv(config)


class SimulationService:
    """Owns the live ``MultiAgentMarketEnv`` and serialises access to it with a lock."""

    def __init__(self, env_factory: EnvFactory | None = None) -> None:
        self._env_factory = env_factory or _default_env_factory
        self._lock = threading.Lock()
        self._env: Any = None
        self._plan: SimulationPlan | None = None
        self._policies: dict[str, RLAgentPlan] = {}
        self._seed: int | None = None
        self._done = False
        self._baseline: dict[str, float] = {}
        self._removed: set[str] = set()
        self._obs: dict[str, np.ndarray] = {}
        self._snapshot: bytes | None = None
        self._state: MarketStatePublic | None = None
        self._session = 0
        self._events: list[EventLogEntry] = []
        self.history = PriceHistory()
        self.runner = Runner(self.step, self._runner_stopped)

    @property
    def running(self) -> bool:
        """Whether a simulation has been started."""
        return self._state is not None

    def current_step(self) -> int | None:
        """The current step, or None before start (read from the snapshot, lock-free)."""
        state = self._state
        return None if state is None else state.step

    def state_json(self) -> bytes:
        """The serialised market state of the last change (lock-free); 409 before start."""
        snapshot = self._snapshot
        if snapshot is None:
            raise ConflictError(NOT_STARTED)
        return snapshot

    def state(self) -> MarketStatePublic:
        """The market state of the last change; 409 before start."""
        state = self._state
        if state is None:
            raise ConflictError(NOT_STARTED)
        return state

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self, plan: SimulationPlan, seed: int | None) -> SimulationPublic:
        """Replace the running market (if any) by a new one built from ``plan``."""
        env = self._env_factory(plan.env_config)
        self.runner.pause()
        with self._lock:
            self._env, self._plan = env, plan
            self._policies = {a.name: a for a in plan.agents}
            self._reset_locked(seed)
            return self._describe_locked()

    def reset(self, seed: int | None) -> SimulationPublic:
        """Restart the episode with ``seed`` (None: the seed of the last start or reset)."""
        self.runner.pause()
        with self._lock:
            self._require_env()
            self._reset_locked(seed if seed is not None else self._seed)
            return self._describe_locked()

    def _reset_locked(self, seed: int | None) -> None:
        env = self._env
        for name in [n for n in env.agents if n not in self._policies]:
            env.remove_rl_agent(name)
        self._obs, _ = env.reset(seed=seed)
        self._seed, self._done, self._removed = seed, False, set()
        self._baseline = market_views.wealth(env)
        self._session += 1
        self.history.restart(self._session)
        self.history.append(env.simulator)
        self._refresh_locked()

    def _describe_locked(self) -> SimulationPublic:
        plan = self._plan
        assert plan is not None and self._state is not None
        return SimulationPublic(
            source=plan.source,
            experiment=plan.experiment,
            run_id=plan.run_id,
            seed=self._seed,
            background=market_views.background_counts(self._env),
            rl_agents=[
                RLAgentPublic(name=a.name, style=a.style, policy=_policy_kind(a))
                for a in self._policies.values()
            ],
            note=plan.note,
            state=self._state,
        )

    def _require_env(self) -> Any:
        if self._env is None:
            raise ConflictError(NOT_STARTED)
        return self._env

    def _refresh_locked(self) -> None:
        state = market_views.market_state(self._env, self._done)
        state.session = self._session
        state.running, state.speed = self.runner.running, self.runner.speed
        self._events = event_log(self._env.simulator)
        self._state = state
        self._snapshot = state.model_dump_json().encode()

    # ---- continuous stepping and the live feed -------------------------------------------

    def run(self, speed: float) -> MarketStatePublic:
        """Step continuously at ``speed`` steps per second; 409 before start or after the end."""
        with self._lock:
            self._require_env()
            if self._done:
                raise ConflictError("episode over: POST /reset_simulation to start a new one")
        self.runner.start(speed)
        return self._refresh()

    def pause(self) -> MarketStatePublic:
        """Stop continuous stepping (a no-op when not running); 409 before start."""
        self.runner.pause()
        return self._refresh()

    def _refresh(self) -> MarketStatePublic:
        with self._lock:
            self._require_env()
            self._refresh_locked()
            assert self._state is not None
            return self._state

    def _runner_stopped(self) -> None:
        with self._lock:
            if self._env is not None:
                self._refresh_locked()

    def events(self) -> list[EventLogEntry]:
        """Every stress event of the episode with its status (as of the last change)."""
        self.state()
        return self._events

    def stream_message(
        self, session: int, ticks_sent: int, with_agents: bool
    ) -> tuple[int, StreamMessage]:
        """The live feed since a client's last message (its session and number of quotes)."""
        state = self.state()
        now, ticks = self.history.since(session, ticks_sent)
        message = StreamMessage(
            state=state,
            ticks=ticks,
            events=self._events,
            agents=self.agents() if with_agents else None,
        )
        return now, message

    # ---- stepping -------------------------------------------------------------------------

    def step(self, steps: int) -> StepPublic:
        """Advance up to ``steps`` steps (fewer if the episode ends); 409 once it has ended."""
        with self._lock:
            env = self._require_env()
            if self._done:
                raise ConflictError(
                    f"episode over at step {self._state.step if self._state else '?'}: "
                    "POST /reset_simulation to start a new one"
                )
            done_steps = 0
            try:
                while done_steps < steps and not self._done:
                    self._step_once_locked(env)
                    done_steps += 1
            except ValueError as exc:  # e.g. a trader added with params the book refuses
                self._refresh_locked()
                raise ConflictError(
                    f"the market could not advance past step {self.current_step()} ({exc}); "
                    "remove the offending agent or POST /reset_simulation"
                ) from exc
            self._refresh_locked()
            assert self._state is not None
            return StepPublic(**self._state.model_dump(), steps_done=done_steps)

    def _step_once_locked(self, env: Any) -> None:
        actions = {
            name: int(self._policies[name].policy.act(self._observation(name)))
            for name in env.agents
            if name in self._policies
        }
        self._obs, _, terminateds, truncateds, _ = env.step(actions)
        self._done = bool(terminateds.get("__all__") or truncateds.get("__all__"))
        self.history.append(env.simulator)

    def _observation(self, name: str) -> np.ndarray:
        obs = self._obs.get(name)
        return self._env.observe(name) if obs is None else obs

    # ---- agents ---------------------------------------------------------------------------

    def agents(self) -> AgentsPublic:
        """Every trader's account marked to the mid, plus background sums per type."""
        with self._lock:
            env = self._require_env()
            return market_views.agents(env, self._removed, self._baseline)

    def add_background(self, kind: str, params: dict[str, Any] | None) -> AgentCreated:
        """Add one background trader of ``kind``; refused params are a 400."""
        with self._lock:
            env = self._require_env()
            try:
                trader_id = str(env.simulator.add_trader(kind, params or None))
            except (ValueError, TypeError) as exc:
                raise BadRequestError(f"cannot add {kind} trader: {exc}") from exc
            self._baseline.update(market_views.wealth(env, only={trader_id}))
            self._refresh_locked()
            return AgentCreated(id=trader_id, type=AgentType(kind))

    def add_rl(self, agent: RLAgentPlan, params: dict[str, Any], *, exact: bool) -> AgentCreated:
        """Add an RL agent driven by ``agent.policy``; a taken ``exact`` name is a 409.

        Without ``exact`` the name is made unique (``<name>_rl2``, ``<name>_rl3``, ...).
        """
        with self._lock:
            env = self._require_env()
            taken = set(env.accounts()["agent_id"].astype(str)) | set(self._policies)
            name = agent.name
            if name in taken and exact:
                raise ConflictError(f"agent {name!r} already exists")
            k = 2
            while name in taken:
                name, k = f"{agent.name}_rl{k}", k + 1
            try:
                env.add_rl_agent(name, agent.style, **params)
            except (ValueError, TypeError) as exc:
                raise BadRequestError(f"cannot add rl agent {name!r}: {exc}") from exc
            plan = RLAgentPlan(name, agent.style, agent.policy, agent.from_checkpoint)
            self._policies[name] = plan
            self._baseline.update(market_views.wealth(env, only={name}))
            self._refresh_locked()
            return AgentCreated(id=name, type=AgentType.rl, policy=_policy_kind(agent))

    def remove_agent(self, agent_id: str) -> AgentRemoved:
        """Remove an RL agent or a background trader; 404 if there is none of that id."""
        with self._lock:
            env = self._require_env()
            if agent_id in self._policies:
                env.remove_rl_agent(agent_id)
                del self._policies[agent_id]
                self._obs.pop(agent_id, None)
            else:
                try:
                    env.simulator.remove_trader(agent_id)
                except KeyError as exc:
                    raise NotFoundError(
                        f"agent {agent_id!r} not found (or already removed)"
                    ) from exc
            self._removed.add(agent_id)
            self._refresh_locked()
            return AgentRemoved(id=agent_id)

    # ---- analysis and events --------------------------------------------------------------

    def performance(self) -> PerformancePublic:
        """Per-RL-agent performance metrics over the episode so far."""
        with self._lock:
            env = self._require_env()
            return market_views.performance(env)

    def analysis(self) -> MarketAnalysisPublic:
        """Market quality statistics and stylized facts of the returns so far."""
        with self._lock:
            env = self._require_env()
            return market_views.analysis(env)

    def inject_event(self, event: EventCreate) -> EventInjected:
        """Schedule a stress event now or at a future step; a past step is a 400."""
        with self._lock:
            env = self._require_env()
            step = int(env.simulator.step_count)
            at_step = step if event.at_step is None else event.at_step
            if at_step < step:
                raise BadRequestError(f"at_step={at_step} is in the past (now at step {step})")
            params = dict(event.params or {})
            spec: dict[str, Any] = {"type": event.type.value, "step": at_step, "params": params}
            if "duration" in params:
                spec["duration"] = params.pop("duration")
            try:
                scheduled = env.simulator.inject_event(spec, at_step=at_step)
            except (ValueError, TypeError) as exc:
                raise BadRequestError(f"cannot inject {event.type.value}: {exc}") from exc
            self._refresh_locked()
            assert self._state is not None
            return EventInjected(
                type=event.type,
                at_step=int(scheduled.step),
                duration=int(scheduled.duration),
                params=dict(scheduled.params),
                active_events=self._state.active_events,
            )
