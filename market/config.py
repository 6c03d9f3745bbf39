"""Plain-dataclass configuration of the market and the RL environment, validated at the boundary.

Range checks are declared next to each field (`bounded(default, low, high, ...)`, dataclass
field metadata) and applied once by `check_fields` when a config is built; the step never looks
at them. `MarketConfig.from_dict` / `EnvConfig.from_dict` reject unknown keys and bad values
with a `ValueError` that names the dotted key and the value. Names and defaults shared with the
pipeline come from market.vocabulary. Hydra lives in pipeline/, not here. Prices are integer
ticks (`initial_price` ticks of `tick_size` currency units each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from market._validate import Bounds, _build, _is_int, _is_number, _require, bounded, check_fields
from market.vocabulary import (
    AGENT_DEFAULTS,
    BACKGROUND_KINDS,
    DEFAULT_COUNTS,
    EVENT_DEFAULTS,
    EVENT_TYPES,
    STYLES,
)  # fmt: skip

__all__ = [
    "BACKGROUND_KINDS", "DEFAULT_AGENTS", "DEFAULT_COUNTS", "EVENT_DEFAULTS", "EVENT_TYPES",
    "STYLES", "AgentSpec", "EnvConfig", "EventSpec", "FundamentalConfig",
    "FundamentalistConfig", "MarketConfig", "MarketMakerConfig", "MomentumConfig", "NoiseConfig",
]  # fmt: skip

MAX_COUNT = 10_000  # background traders of one kind


@dataclass(frozen=True)
class FundamentalConfig:
    """Latent fundamental value: a log random walk with Bernoulli jumps (per-step parameters)."""

    sigma: float = bounded(1e-5, 0)
    jump_prob: float = bounded(0.002, 0, 1)
    jump_sigma: float = bounded(3e-4, 0)


@dataclass(frozen=True)
class NoiseConfig:
    """Zero-intelligence traders; a shared persistent activity state scales order sizes."""

    p_act: float = bounded(0.35, 0, 1)
    p_market: float = bounded(0.3, 0, 1)
    mean_offset: float = bounded(8.0, 0)
    mean_size: float = bounded(8.0, 1)
    lifetime: int = bounded(10, 1)
    activity_phi: float = bounded(0.985, 0, 1, high_open=True)
    activity_sigma: float = bounded(0.15, 0)


@dataclass(frozen=True)
class FundamentalistConfig:
    """Value traders: buy below, sell above their noisy view of the fundamental."""

    p_act: float = bounded(0.1, 0, 1)
    threshold_bps_min: float = bounded(5.0, 0)
    threshold_bps_max: float = bounded(40.0, at_least="threshold_bps_min")
    perception_sigma: float = bounded(0.001, 0)
    size_per_bps: float = bounded(0.5, 0, low_open=True)
    max_size: int = bounded(25, 1)
    lifetime: int = bounded(20, 1)


@dataclass(frozen=True)
class MomentumConfig:
    """Trend-following chartists: market orders in the direction of the move over their lookback."""

    p_act: float = bounded(0.15, 0, 1)
    lookback_min: int = bounded(5, 1)
    lookback_max: int = bounded(40, high=500, at_least="lookback_min")
    threshold_bps: float = bounded(5.0, 0)
    size_per_bps: float = bounded(0.5, 0, low_open=True)
    max_size: int = bounded(20, 1)


@dataclass(frozen=True)
class MarketMakerConfig:
    """Market makers quoting a ladder on both sides; wider with volatility, skewed by inventory."""

    levels: int = bounded(3, 1, 10)
    half_spread: int = bounded(0, 0)
    level_gap: int = bounded(1, 1)
    size: int = bounded(5, 1)
    vol_widening: float = bounded(0.8, 0)
    withdraw_vol_ticks: float = bounded(12.0, 0, low_open=True)
    inventory_limit: int = bounded(1000, 1)
    inventory_skew: float = bounded(0.01, 0)
    vol_halflife: float = bounded(10.0, 0, low_open=True)
    anchor_weight: float = bounded(0.15, 0, 1)
    fair_value_speed: float = bounded(0.5, 0, 1, low_open=True)
    news_pass_through: float = bounded(1.0, 0, 2)
    news_sweep_ticks: float = bounded(2.0, 0, low_open=True)
    news_sweep_qty: int = bounded(100, 1)


@dataclass(frozen=True)
class MarketConfig:
    """The market: price grid, episode length, background trader mix and per-type parameters."""

    initial_price: int = bounded(10_000, 100)
    tick_size: float = bounded(0.01, 0, low_open=True)
    episode_length: int = bounded(1000, 1)
    warmup_steps: int = bounded(50, 0)
    initial_cash: float = bounded(1_000_000.0, 0)
    initial_shares: int = bounded(0, 0)
    counts: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_COUNTS))
    fundamental: FundamentalConfig = field(default_factory=FundamentalConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    fundamentalist: FundamentalistConfig = field(default_factory=FundamentalistConfig)
    momentum: MomentumConfig = field(default_factory=MomentumConfig)
    market_maker: MarketMakerConfig = field(default_factory=MarketMakerConfig)

    def check(self, p: str = "market") -> None:
        """Declared ranges of every field, known kinds and counts in [0, MAX_COUNT]."""
        for kind, n in self.counts.items():
            _require(kind in BACKGROUND_KINDS, f"{p}.counts", kind,
                     f"unknown trader kind; choose from {list(BACKGROUND_KINDS)}")  # fmt: skip
            _require(_is_int(n) and 0 <= n <= MAX_COUNT, f"{p}.counts.{kind}", n,
                     f"must be an int in [0, {MAX_COUNT}]")  # fmt: skip
        check_fields(self, p)

    def count(self, kind: str) -> int:
        """Number of background traders of `kind` (0 when not configured)."""
        return self.counts.get(kind, 0)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None, prefix: str = "market") -> MarketConfig:
        """Build and validate from a (possibly partial) nested dict."""
        cfg = _build(cls, d or {}, prefix)
        cfg.check(prefix)
        return cfg


@dataclass(frozen=True)
class AgentSpec:
    """One RL agent: name, style (reward shaping), order size and position limit, reward weights.

    `trend_weight` is used by the momentum style, `inventory_penalty` by mean_reversion and
    `risk_aversion` by adaptive (see market/rewards.py); defaults in market.vocabulary.
    """

    name: str
    style: str
    order_size: int = bounded(AGENT_DEFAULTS["order_size"], 1)
    max_position: int = bounded(AGENT_DEFAULTS["max_position"], at_least="order_size")
    trend_weight: float = bounded(AGENT_DEFAULTS["trend_weight"], 0)
    inventory_penalty: float = bounded(AGENT_DEFAULTS["inventory_penalty"], 0)
    risk_aversion: float = bounded(AGENT_DEFAULTS["risk_aversion"], 0)

    def check(self, p: str) -> None:
        """A non-empty name, a known style and the declared ranges."""
        _require(isinstance(self.name, str) and bool(self.name), f"{p}.name", self.name,
                 "must be a non-empty string")  # fmt: skip
        _require(self.style in STYLES, f"{p}.style", self.style, f"choose from {list(STYLES)}")
        check_fields(self, p)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], prefix: str = "agent") -> AgentSpec:
        """Build and validate one agent spec; `style` defaults to the name when omitted."""
        d = dict(d)
        if "style" not in d and "name" in d:
            d["style"] = d["name"]
        for key in ("name", "style"):
            _require(key in d, f"{prefix}.{key}", None, "is required")
        spec = _build(cls, d, prefix)
        spec.check(prefix)
        return spec


# Declared checks of the event params (names and defaults in market.vocabulary).
EVENT_PARAM_BOUNDS: dict[str, dict[str, Bounds]] = {
    "flash_crash": {"qty_per_step": Bounds(low=1)},
    "liquidity_shock": {},
    "news_shock": {"jump": Bounds(-1, 1, low_open=True, high_open=True)},
    "volatility_regime": {"scale": Bounds(low=0, low_open=True)},
}


@dataclass(frozen=True)
class EventSpec:
    """A stress event of `type` starting at `step` and lasting `duration` steps (the stress window).

    `step_jitter` > 0 moves the start of every episode's window to a step drawn uniformly from
    [step, step + step_jitter] with the episode's seed (market.events.draw_events), so that a
    policy that sees the clock cannot learn the event's date; 0 keeps it at `step`.
    `random_sign` (news_shock only) flips the jump's sign with probability 1/2 per episode, so
    that no position taken before the news pays in expectation.

    Build it with `from_dict`, which fills the per-type default duration (0 = default) and
    params: flash_crash {"qty_per_step"} (market sell shares per step), liquidity_shock {}
    (market makers out), news_shock {"jump"} (log jump of the fundamental at `step`),
    volatility_regime {"scale"} (noise order-size multiplier).
    """

    type: str
    step: int = bounded(0, 0)
    duration: int = bounded(0, 1)
    params: dict[str, float] = field(default_factory=dict)
    step_jitter: int = bounded(0, 0)
    random_sign: bool = False

    def check(self, p: str) -> None:
        """A known type, declared ranges of step, duration and each param."""
        _require(self.type in EVENT_TYPES, f"{p}.type", self.type,
                 f"choose from {list(EVENT_TYPES)}")  # fmt: skip
        check_fields(self, p)
        _require(type(self.random_sign) is bool, f"{p}.random_sign", self.random_sign,
                 "must be true or false")  # fmt: skip
        _require(not self.random_sign or self.type == "news_shock", f"{p}.random_sign",
                 self.random_sign, "only a news_shock has a sign")  # fmt: skip
        allowed = EVENT_PARAM_BOUNDS[self.type]
        for k, v in self.params.items():
            _require(k in allowed, f"{p}.params", k,
                     f"unknown param for {self.type}: {list(allowed)}")  # fmt: skip
            _require(_is_number(v), f"{p}.params.{k}", v, "must be a number")
            _require(allowed[k].holds(v, self), f"{p}.params.{k}", v, allowed[k].why())

    @property
    def end(self) -> int:
        """First step after the stress window."""
        return self.step + self.duration

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], prefix: str = "event") -> EventSpec:
        """Build and validate; missing duration and params take the per-type defaults."""
        d = dict(d)
        _require("type" in d, f"{prefix}.type", None, "is required")
        _require("step" in d, f"{prefix}.step", None, "is required")
        etype = d["type"]
        _require(etype in EVENT_DEFAULTS, f"{prefix}.type", etype,
                 f"choose from {list(EVENT_TYPES)}")  # fmt: skip
        duration, defaults = EVENT_DEFAULTS[etype]
        if not d.get("duration"):
            d["duration"] = duration
        params = d.get("params") or {}
        _require(isinstance(params, Mapping), f"{prefix}.params", params, "must be a dict")
        d["params"] = {**defaults, **dict(params)}
        spec = _build(cls, d, prefix)
        spec.check(prefix)
        return spec


DEFAULT_AGENTS = tuple(AgentSpec(name=s, style=s) for s in STYLES)


@dataclass(frozen=True)
class EnvConfig:
    """Everything `MultiAgentMarketEnv` needs: seed, market, RL agents and scheduled events."""

    seed: int | None = None
    market: MarketConfig = field(default_factory=MarketConfig)
    agents: tuple[AgentSpec, ...] = DEFAULT_AGENTS
    events: tuple[EventSpec, ...] = ()

    @property
    def episode_length(self) -> int:
        """Steps per episode (truncation), stored in the market config."""
        return self.market.episode_length

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> EnvConfig:
        """Build from the env config dict (all keys optional; format in MultiAgentMarketEnv)."""
        d = dict(d or {})
        allowed = {"seed", "episode_length", "market", "agents", "events"}
        for key in d:
            _require(key in allowed, "config", key, f"unknown key; allowed {sorted(allowed)}")
        seed = d.get("seed")
        _require(seed is None or (_is_int(seed) and seed >= 0), "seed", seed, "int >= 0 or None")
        market_d = dict(d.get("market") or {})
        if "episode_length" in d:
            top = d["episode_length"]
            inner = market_d.get("episode_length", top)
            _require(
                inner == top, "episode_length", top, f"conflicts with market.episode_length={inner}"
            )
            market_d["episode_length"] = top
        market = MarketConfig.from_dict(market_d)
        agents = _agent_list(d.get("agents"))
        events_raw = d.get("events") or []
        _require(isinstance(events_raw, list | tuple), "events", events_raw, "must be a list")
        events = tuple(EventSpec.from_dict(e, f"events[{i}]") for i, e in enumerate(events_raw))
        return cls(seed=seed, market=market, agents=agents, events=events)


def _agent_list(raw: Any) -> tuple[AgentSpec, ...]:
    """Parse the agents list (None -> the three default agents); names must be unique."""
    if raw is None:
        return DEFAULT_AGENTS
    _require(isinstance(raw, list | tuple), "agents", raw, "must be a list")
    agents = tuple(
        a if isinstance(a, AgentSpec) else AgentSpec.from_dict(a, f"agents[{i}]")
        for i, a in enumerate(raw)
    )
    names = [a.name for a in agents]
    dupes = sorted({n for n in names if names.count(n) > 1})
    _require(not dupes, "agents", dupes, "duplicate agent names")
    return agents
