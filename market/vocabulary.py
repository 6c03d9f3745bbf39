"""The market's vocabulary, defined once: trader kinds, RL styles, event types and their defaults.

Plain data, cheap to import (no numba, no numpy): market/config.py builds its schemas from it,
and pipeline/config.py and the API's models can import the same names instead of spelling them
again (tests/market/test_vocabulary.py fails when a default differs).

Adding a background strategy: write market/agents/<kind>.py (a `TraderGroup` subclass with its
compiled kernel), add the kind to `BACKGROUND_KINDS` + `TRADER_GROUPS` + `DEFAULT_COUNTS` here,
and its config dataclass in market/config.py (see README, "Add a strategy").
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# Background trader kinds, in the order their accounts are opened.
BACKGROUND_KINDS: Final = ("noise", "fundamentalist", "momentum", "market_maker")
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

# RL agent styles (reward shaping and observation horizons).
STYLES: Final = ("momentum", "mean_reversion", "adaptive")
# Defaults of one RL agent's fields (market.config.AgentSpec, pipeline.config.AgentConf).
# risk_aversion 0.05: the value every experiment has trained and been evaluated with; the
# adaptive reward is base - risk_aversion * base**2 with base O(1), so 0.5 would let the
# variance penalty outweigh the PnL signal on moves of 2 units.
AGENT_DEFAULTS: Final = MappingProxyType({
    "order_size": 10,
    "max_position": 100,
    "trend_weight": 0.05,
    "inventory_penalty": 0.02,
    "risk_aversion": 0.05,
})  # fmt: skip

# Stress event types -> (default duration in steps, default params).
EVENT_TYPES: Final = ("flash_crash", "liquidity_shock", "news_shock", "volatility_regime")
EVENT_DEFAULTS: Final = MappingProxyType({
    "flash_crash": (5, MappingProxyType({"qty_per_step": 500.0})),
    "liquidity_shock": (50, MappingProxyType({})),
    "news_shock": (20, MappingProxyType({"jump": -0.03})),
    "volatility_regime": (100, MappingProxyType({"scale": 3.0})),
})  # fmt: skip
