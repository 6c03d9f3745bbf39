"""Rule-based counterparts of the RL styles: fixed rules on the same 15-dim observation.

They stand in for trained policies (the pipeline's "rule_based" counterfactual, the API without a
checkpoint) and read the observation entries documented in `MultiAgentMarketEnv`:
- momentum: buy when the medium-horizon return signal (obs[1]) is strongly up, sell when down;
- mean_reversion: sell when the mid is well above its moving average (obs[3]), buy when below,
  otherwise unwind inventory;
- adaptive: trend-follow on the long horizon (obs[2]) in calm markets, cut the position when
  volatility (obs[4]) or the spread (obs[5]) is high.
Position limits are respected by not adding beyond POSITION_CAP of max_position.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

HOLD, BUY, SELL = 0, 1, 2
POSITION_CAP = 0.9
SIGNAL = 1.0


def _toward_flat(position: float, band: float = 0.05) -> int:
    if position > band:
        return SELL
    if position < -band:
        return BUY
    return HOLD


def _follow(signal: float, position: float, threshold: float) -> int:
    if signal > threshold and position < POSITION_CAP:
        return BUY
    if signal < -threshold and position > -POSITION_CAP:
        return SELL
    return HOLD


def momentum_rule(obs: np.ndarray) -> int:
    """Trend following on the medium horizon."""
    return _follow(float(obs[1]), float(obs[11]), SIGNAL)


def mean_reversion_rule(obs: np.ndarray) -> int:
    """Fade deviations from the moving average; unwind when none."""
    dev, position = float(obs[3]), float(obs[11])
    action = _follow(-dev, position, SIGNAL)
    return action if action != HOLD else _toward_flat(position, band=0.3)


def adaptive_rule(obs: np.ndarray) -> int:
    """Trend following when calm, de-risking when volatility or spread is high."""
    if float(obs[4]) > 3.0 or float(obs[5]) > 1.0:
        return _toward_flat(float(obs[11]))
    return _follow(float(obs[2]), float(obs[11]), SIGNAL)


RULES: dict[str, Callable[[np.ndarray], int]] = {
    "momentum": momentum_rule,
    "mean_reversion": mean_reversion_rule,
    "adaptive": adaptive_rule,
}


def rule_based_action(style: str, obs: np.ndarray) -> int:
    """Discrete(3) action (0 HOLD, 1 BUY, 2 SELL) of the rule-based counterpart of `style`."""
    rule = RULES.get(style)
    if rule is None:
        raise ValueError(f"style={style!r}: unknown; choose from {list(RULES)}")
    obs = np.asarray(obs)
    if obs.shape != (15,):
        raise ValueError(f"obs shape={obs.shape!r}: must be (15,)")
    return rule(obs)
