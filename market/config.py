"""Plain-dataclass configuration of the market and the RL environment, validated at the boundary.

`MarketConfig.from_dict` / `EnvConfig.from_dict` reject unknown keys and bad values with a
`ValueError` that names the dotted key and the value. Hydra lives in pipeline/, not here.
Prices are integer ticks (`initial_price` ticks of `tick_size` currency units each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from market._validate import _build, _is_int, _is_number, _require
from market.vocabulary import (
    BACKGROUND_KINDS,
    DEFAULT_COUNTS,
    EVENT_DEFAULTS,
    EVENT_TYPES,
    STYLES,
)  # fmt: skip


@dataclass(frozen=True)
class FundamentalConfig:
    """Latent fundamental value: a log random walk with Bernoulli jumps (per-step parameters)."""

    sigma: float = 1e-5
    jump_prob: float = 0.002
    jump_sigma: float = 3e-4

    def check(self, p: str) -> None:
        _require(self.sigma >= 0, f"{p}.sigma", self.sigma, "must be >= 0")
        _require(0 <= self.jump_prob <= 1, f"{p}.jump_prob", self.jump_prob, "must be in [0, 1]")
        _require(self.jump_sigma >= 0, f"{p}.jump_sigma", self.jump_sigma, "must be >= 0")


@dataclass(frozen=True)
class NoiseConfig:
    """Zero-intelligence traders; a shared persistent activity state scales order sizes."""

    p_act: float = 0.35
    p_market: float = 0.3
    mean_offset: float = 8.0
    mean_size: float = 8.0
    lifetime: int = 10
    activity_phi: float = 0.985
    activity_sigma: float = 0.15

    def check(self, p: str) -> None:
        for name in ("p_act", "p_market"):
            v = getattr(self, name)
            _require(0 <= v <= 1, f"{p}.{name}", v, "must be in [0, 1]")
        _require(self.mean_offset >= 0, f"{p}.mean_offset", self.mean_offset, "must be >= 0")
        _require(self.mean_size >= 1, f"{p}.mean_size", self.mean_size, "must be >= 1")
        _require(self.lifetime >= 1, f"{p}.lifetime", self.lifetime, "must be >= 1")
        _require(0 <= self.activity_phi < 1, f"{p}.activity_phi", self.activity_phi, "in [0, 1)")
        _require(self.activity_sigma >= 0, f"{p}.activity_sigma", self.activity_sigma, ">= 0")


@dataclass(frozen=True)
class FundamentalistConfig:
    """Value traders: buy below, sell above their noisy view of the fundamental."""

    p_act: float = 0.1
    threshold_bps_min: float = 5.0
    threshold_bps_max: float = 40.0
    perception_sigma: float = 0.001
    size_per_bps: float = 0.5
    max_size: int = 25
    lifetime: int = 20

    def check(self, p: str) -> None:
        _require(0 <= self.p_act <= 1, f"{p}.p_act", self.p_act, "must be in [0, 1]")
        _require(
            self.threshold_bps_min >= 0,
            f"{p}.threshold_bps_min",
            self.threshold_bps_min,
            "must be >= 0",
        )
        _require(
            self.threshold_bps_max >= self.threshold_bps_min,
            f"{p}.threshold_bps_max",
            self.threshold_bps_max,
            "must be >= threshold_bps_min",
        )
        _require(self.perception_sigma >= 0, f"{p}.perception_sigma", self.perception_sigma, ">= 0")
        _require(self.size_per_bps > 0, f"{p}.size_per_bps", self.size_per_bps, "must be > 0")
        _require(self.max_size >= 1, f"{p}.max_size", self.max_size, "must be >= 1")
        _require(self.lifetime >= 1, f"{p}.lifetime", self.lifetime, "must be >= 1")


@dataclass(frozen=True)
class MomentumConfig:
    """Trend-following chartists: market orders in the direction of the move over their lookback."""

    p_act: float = 0.15
    lookback_min: int = 5
    lookback_max: int = 40
    threshold_bps: float = 5.0
    size_per_bps: float = 0.5
    max_size: int = 20

    def check(self, p: str) -> None:
        _require(0 <= self.p_act <= 1, f"{p}.p_act", self.p_act, "must be in [0, 1]")
        _require(self.lookback_min >= 1, f"{p}.lookback_min", self.lookback_min, "must be >= 1")
        _require(
            self.lookback_min <= self.lookback_max <= 500,
            f"{p}.lookback_max",
            self.lookback_max,
            "must be in [lookback_min, 500]",
        )
        _require(self.threshold_bps >= 0, f"{p}.threshold_bps", self.threshold_bps, "must be >= 0")
        _require(self.size_per_bps > 0, f"{p}.size_per_bps", self.size_per_bps, "must be > 0")
        _require(self.max_size >= 1, f"{p}.max_size", self.max_size, "must be >= 1")


@dataclass(frozen=True)
class MarketMakerConfig:
    """Market makers quoting a ladder on both sides; wider with volatility, skewed by inventory."""

    levels: int = 3
    half_spread: int = 0
    level_gap: int = 1
    size: int = 5
    vol_widening: float = 0.8
    withdraw_vol_ticks: float = 12.0
    inventory_limit: int = 1000
    inventory_skew: float = 0.01
    vol_halflife: float = 10.0
    anchor_weight: float = 0.15
    fair_value_speed: float = 0.5
    news_pass_through: float = 1.0
    news_sweep_ticks: float = 2.0
    news_sweep_qty: int = 100

    def check(self, p: str) -> None:
        _require(1 <= self.levels <= 10, f"{p}.levels", self.levels, "must be in [1, 10]")
        _require(self.half_spread >= 0, f"{p}.half_spread", self.half_spread, "must be >= 0")
        _require(self.level_gap >= 1, f"{p}.level_gap", self.level_gap, "must be >= 1")
        _require(self.size >= 1, f"{p}.size", self.size, "must be >= 1")
        _require(self.vol_widening >= 0, f"{p}.vol_widening", self.vol_widening, "must be >= 0")
        _require(
            self.withdraw_vol_ticks > 0,
            f"{p}.withdraw_vol_ticks",
            self.withdraw_vol_ticks,
            "must be > 0",
        )
        _require(self.inventory_limit >= 1, f"{p}.inventory_limit", self.inventory_limit, ">= 1")
        _require(self.inventory_skew >= 0, f"{p}.inventory_skew", self.inventory_skew, ">= 0")
        _require(self.vol_halflife > 0, f"{p}.vol_halflife", self.vol_halflife, "must be > 0")
        _require(
            0 <= self.anchor_weight <= 1, f"{p}.anchor_weight", self.anchor_weight, "in [0, 1]"
        )
        _require(
            0 < self.fair_value_speed <= 1,
            f"{p}.fair_value_speed",
            self.fair_value_speed,
            "must be in (0, 1]",
        )
        _require(
            0 <= self.news_pass_through <= 2,
            f"{p}.news_pass_through",
            self.news_pass_through,
            "must be in [0, 2]",
        )
        _require(self.news_sweep_ticks > 0, f"{p}.news_sweep_ticks", self.news_sweep_ticks, "> 0")
        _require(self.news_sweep_qty >= 1, f"{p}.news_sweep_qty", self.news_sweep_qty, ">= 1")


@dataclass(frozen=True)
class MarketConfig:
    """The market: price grid, episode length, background trader mix and per-type parameters."""

    initial_price: int = 10_000
    tick_size: float = 0.01
    episode_length: int = 1000
    warmup_steps: int = 50
    initial_cash: float = 1_000_000.0
    initial_shares: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_COUNTS))
    fundamental: FundamentalConfig = field(default_factory=FundamentalConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    fundamentalist: FundamentalistConfig = field(default_factory=FundamentalistConfig)
    momentum: MomentumConfig = field(default_factory=MomentumConfig)
    market_maker: MarketMakerConfig = field(default_factory=MarketMakerConfig)

    def check(self, p: str = "market") -> None:
        _require(
            self.initial_price >= 100,
            f"{p}.initial_price",
            self.initial_price,
            "must be >= 100 ticks",
        )
        _require(self.tick_size > 0, f"{p}.tick_size", self.tick_size, "must be > 0")
        _require(self.episode_length >= 1, f"{p}.episode_length", self.episode_length, ">= 1")
        _require(self.warmup_steps >= 0, f"{p}.warmup_steps", self.warmup_steps, "must be >= 0")
        _require(self.initial_cash >= 0, f"{p}.initial_cash", self.initial_cash, "must be >= 0")
        _require(self.initial_shares >= 0, f"{p}.initial_shares", self.initial_shares, ">= 0")
        for kind, n in self.counts.items():
            _require(
                kind in BACKGROUND_KINDS,
                f"{p}.counts",
                kind,
                f"unknown trader kind; choose from {list(BACKGROUND_KINDS)}",
            )
            _require(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 10_000,
                f"{p}.counts.{kind}",
                n,
                "must be an int in [0, 10000]",
            )
        for name in ("fundamental", *BACKGROUND_KINDS):
            getattr(self, name).check(f"{p}.{name}")

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
    `risk_aversion` by adaptive (see market/rewards.py).
    """

    name: str
    style: str
    order_size: int = 10
    max_position: int = 100
    trend_weight: float = 0.05
    inventory_penalty: float = 0.02
    risk_aversion: float = 0.5

    def check(self, p: str) -> None:
        _require(
            isinstance(self.name, str) and bool(self.name),
            f"{p}.name",
            self.name,
            "must be a non-empty string",
        )
        _require(self.style in STYLES, f"{p}.style", self.style, f"choose from {list(STYLES)}")
        _require(self.order_size >= 1, f"{p}.order_size", self.order_size, "must be >= 1")
        _require(
            self.max_position >= self.order_size,
            f"{p}.max_position",
            self.max_position,
            "must be >= order_size",
        )
        for name in ("trend_weight", "inventory_penalty", "risk_aversion"):
            v = getattr(self, name)
            _require(v >= 0, f"{p}.{name}", v, "must be >= 0")

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




@dataclass(frozen=True)
class EventSpec:
    """A stress event of `type` starting at `step` and lasting `duration` steps (the stress window).

    Build it with `from_dict`, which fills the per-type default duration (0 = default) and
    params: flash_crash {"qty_per_step"} (market sell shares per step), liquidity_shock {}
    (market makers out), news_shock {"jump"} (log jump of the fundamental at `step`),
    volatility_regime {"scale"} (noise order-size multiplier).
    """

    type: str
    step: int
    duration: int = 0
    params: dict[str, float] = field(default_factory=dict)

    def check(self, p: str) -> None:
        _require(
            self.type in EVENT_TYPES, f"{p}.type", self.type, f"choose from {list(EVENT_TYPES)}"
        )
        _require(self.step >= 0, f"{p}.step", self.step, "must be >= 0")
        _require(self.duration >= 1, f"{p}.duration", self.duration, "must be >= 1")
        allowed = EVENT_DEFAULTS[self.type][1]
        for k, v in self.params.items():
            _require(
                k in allowed, f"{p}.params", k, f"unknown param for {self.type}: {list(allowed)}"
            )
            _require(_is_number(v), f"{p}.params.{k}", v, "must be a number")
        if self.type == "flash_crash":
            _require(
                self.params["qty_per_step"] >= 1,
                f"{p}.params.qty_per_step",
                self.params["qty_per_step"],
                "must be >= 1",
            )
        if self.type == "volatility_regime":
            _require(self.params["scale"] > 0, f"{p}.params.scale", self.params["scale"], "> 0")
        if self.type == "news_shock":
            _require(
                abs(self.params["jump"]) < 1,
                f"{p}.params.jump",
                self.params["jump"],
                "must be a log jump in (-1, 1)",
            )

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
        _require(
            etype in EVENT_DEFAULTS, f"{prefix}.type", etype, f"choose from {list(EVENT_TYPES)}"
        )
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
        """Build from the env config dict (all keys optional); see CONTRACTS.md for the format."""
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
