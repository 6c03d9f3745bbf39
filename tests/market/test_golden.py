"""Golden regression: fixed seeds pin the market record, the RL agents' record and the accounts.

The digests were taken from the per-group engine (before the fused step kernel) and must stay
bit-identical: hypothesis calibration and other helpers' results rely on the market's numbers.
If the market model changes on purpose, regenerate them in their own commit and say why.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from market.config import AgentSpec
from market.simulator import MarketSimulator

AGENTS = [
    AgentSpec("a", "momentum", order_size=20, max_position=60),
    AgentSpec("b", "adaptive"),
    AgentSpec("c", "mean_reversion", order_size=5, max_position=40),
]
EVENTS = [
    {"type": "flash_crash", "step": 120, "duration": 4},
    {"type": "liquidity_shock", "step": 200, "duration": 30},
    {"type": "news_shock", "step": 300, "params": {"jump": 0.004}},
    {"type": "volatility_regime", "step": 350, "duration": 60, "params": {"scale": 2.5}},
]
# seed -> digests of (market_record, agent_record, accounts)
GOLDEN = {
    3: ("24d7bf1f171f1571", "30813bd57bab2199", "4f3be9b772144b0e"),
    42: ("de62e43b4b1cec1a", "fa943dad58316831", "0245d308da965929"),
}


def digest(df: pd.DataFrame) -> str:
    """First 16 hex digits of a hash of every value and column of `df`."""
    values = pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()
    return hashlib.sha256(values + ",".join(df.columns).encode()).hexdigest()[:16]


def stressed_run(seed: int, steps: int = 600) -> MarketSimulator:
    """RL agents on random actions, every event type, a trader added and one removed mid-run."""
    sim = MarketSimulator({"episode_length": steps}, events=EVENTS, agents=AGENTS, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for t in range(steps):
        if t == 250:
            sim.add_trader("noise", {"mean_size": 20})
            sim.add_trader("momentum", {"lookback": 3})
            sim.remove_trader("market_maker_2")
        sim.step({n: int(rng.integers(-1, 2)) for n in sim.rl_names})
    return sim


@pytest.mark.parametrize("seed", sorted(GOLDEN))
def test_stressed_run_is_bit_identical(seed: int) -> None:
    sim = stressed_run(seed)
    got = (digest(sim.market_record()), digest(sim.agent_record()), digest(sim.accounts()))
    assert got == GOLDEN[seed]
