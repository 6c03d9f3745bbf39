"""The market's vocabulary, defined once: trader kinds, RL styles, event types and their defaults.

Plain data, cheap to import (no numba, no numpy): market/config.py builds its schemas from it,
and pipeline/config.py (Hydra schemas) and the API's models (OpenAPI) import these very StrEnum
classes instead of spelling them again (tests/market/test_vocabulary.py fails when a default or
a spelling differs). The class names are the API's schema names (web/ types use them).

Adding a background strategy: write market/agents/<kind>.py (a `TraderGroup` subclass with its
compiled kernel), add the kind to `TraderType` + `AgentType` + `TRADER_GROUPS` + `DEFAULT_COUNTS`
here, and its config dataclass in market/config.py (see README, "Add a strategy").
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final


class TraderType(StrEnum):
    """Background trader kinds, in the order their accounts are opened."""

    noise = "noise"
    fundamentalist = "fundamentalist"
    momentum = "momentum"
    market_maker = "market_maker"


class AgentType(StrEnum):
    """Agent kinds: a background trader kind (TraderType, same order), or an RL agent."""

    noise = "noise"
    fundamentalist = "fundamentalist"
    momentum = "momentum"
    market_maker = "market_maker"
    rl = "rl"


class Style(StrEnum):
    """RL agent styles (reward shaping and observation horizons)."""

    momentum = "momentum"
    mean_reversion = "mean_reversion"
    adaptive = "adaptive"


class EventType(StrEnum):
    """Stress events the market can inject (market.events)."""

    flash_crash = "flash_crash"
    liquidity_shock = "liquidity_shock"
    news_shock = "news_shock"
    volatility_regime = "volatility_regime"


# The same names as plain strings, in declaration order.
BACKGROUND_KINDS: Final = tuple(k.value for k in TraderType)
# kind -> "module:class" of its TraderGroup (resolved by market.agents.group_class)
TRADER_GROUPS: Final = MappingProxyType({
    "noise": "market.agents.noise:NoiseTraders",
    "fundamentalist": "market.agents.fundamentalist:Fundamentalists",
    "momentum": "market.agents.momentum:MomentumTraders",
    "market_maker": "market.agents.market_maker:MarketMakers",
})  # fmt: skip
DEFAULT_COUNTS: Final = MappingProxyType(
    {"noise": 60, "fundamentalist": 20, "momentum": 14, "market_maker": 6}
)

STYLES: Final = tuple(s.value for s in Style)
EVENT_TYPES: Final = tuple(e.value for e in EventType)

# Defaults of one RL agent's fields (market.config.AgentSpec, pipeline.config.AgentConf).
# risk_aversion 0.005: the adaptive reward is base - risk_aversion * (risk / unit)**2 with the
# ex-ante risk about 0.15 units a step at a full position in a calm market and ~20 in a flash crash;
# at 0.05 the penalty for holding 100 shares through a crash (~20 a step) dwarfed the expected
# recovery gain (~0.6 a step), so holding flat was optimal and the adaptive agent never learned to
# trade (README, Training); 0.005 keeps a variance penalty that still bounds crash positions.
AGENT_DEFAULTS: Final = MappingProxyType({
    "order_size": 10,
    "max_position": 100,
    "trend_weight": 0.05,
    "inventory_penalty": 0.02,
    "risk_aversion": 0.005,
})  # fmt: skip

# Stress event types -> (default duration in steps, default params).
EVENT_DEFAULTS: Final = MappingProxyType({
    "flash_crash": (5, MappingProxyType({"qty_per_step": 500.0})),
    "liquidity_shock": (50, MappingProxyType({})),
    "news_shock": (20, MappingProxyType({"jump": -0.03})),
    "volatility_regime": (100, MappingProxyType({"scale": 3.0})),
})  # fmt: skip
