"""The default background mix (no RL agents) reproduces the stylized facts of real returns."""

from __future__ import annotations

import numpy as np
import pytest

from market.simulator import MarketSimulator
from market.stylized import stylized_facts

STEPS = 4000


@pytest.fixture(scope="module", params=[1, 2])
def facts(request: pytest.FixtureRequest) -> dict:
    sim = MarketSimulator({"episode_length": STEPS}, seed=request.param)
    for _ in range(STEPS):
        sim.step()
    return stylized_facts(np.diff(np.log(sim.market_record()["mid"].to_numpy())))


def test_heavy_tails(facts: dict) -> None:
    assert facts["excess_kurtosis"] > 1.0


def test_no_linear_autocorrelation(facts: dict) -> None:
    assert abs(facts["acf_returns_lag1"]) < 0.1


def test_volatility_clustering(facts: dict) -> None:
    for lag in (1, 5, 10):
        assert facts["acf_abs_returns"][lag] > 0.1, lag
