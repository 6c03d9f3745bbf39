"""Known answers for each reward style (market/rewards.py) and the env's reward bookkeeping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from market.config import AgentSpec
from market.env import MultiAgentMarketEnv
from market.rewards import RewardWeights, potentials, shaped_rewards

P0, TICK = 10_000, 0.01  # unit = order_size * p0 * tick * 1e-3 = 1.0 currency for 10 shares


def weights(style: str, **params: float) -> RewardWeights:
    spec = AgentSpec.from_dict({"name": style, "style": style, "order_size": 10, **params})
    return RewardWeights.of([spec], P0, TICK)


def step(
    w: RewardWeights, d_pnl: float, position: float, signal: float = 0.0,
    previous: float = 0.0, done: bool = False, risk: float = 0.0,
) -> tuple[float, float]:  # fmt: skip
    rewards, phi = shaped_rewards(
        w, np.array([d_pnl]), np.array([position]), np.array([signal]), np.array([previous]),
        done, np.array([risk]),
    )
    return float(rewards[0]), float(phi[0])


def test_base_reward_is_the_pnl_change_in_units_of_one_order_moving_10_bps() -> None:
    w = weights("momentum", order_size=20, trend_weight=0.0)
    assert w.unit[0] == pytest.approx(2.0)  # 20 shares x 100.00 x 10 bps
    assert step(w, d_pnl=3.0, position=0.0)[0] == pytest.approx(1.5)
    assert step(w, d_pnl=-1.0, position=0.0)[0] == pytest.approx(-0.5)


def test_momentum_is_credited_for_opening_with_the_trend_and_charged_against_it() -> None:
    w = weights("momentum", trend_weight=0.05)
    with_trend, phi = step(w, d_pnl=0.0, position=0.5, signal=1.0)
    assert phi == pytest.approx(0.05 * 0.5 * math.tanh(1.0))
    assert with_trend == pytest.approx(0.05 * 0.5 * math.tanh(1.0))  # 0.0190...
    against, _ = step(w, d_pnl=0.0, position=0.5, signal=-1.0)
    assert against == pytest.approx(-0.05 * 0.5 * math.tanh(1.0))
    # Holding on while the trend stays is neutral; the credit is returned when it fades.
    assert step(w, 0.0, 0.5, 1.0, previous=phi)[0] == pytest.approx(0.0)
    assert step(w, 0.0, 0.5, 0.0, previous=phi)[0] == pytest.approx(-phi)


def test_mean_reversion_pays_for_inventory_while_held_and_is_refunded_when_flat() -> None:
    w = weights("mean_reversion", inventory_penalty=0.02)
    opened, phi = step(w, d_pnl=0.0, position=-0.5)
    assert phi == pytest.approx(-0.02 * 0.25)
    assert opened == pytest.approx(-0.005)
    bigger, phi2 = step(w, 0.0, -1.0, previous=phi)
    assert bigger == pytest.approx(-0.02 * (1.0 - 0.25))
    unwound, _ = step(w, 0.0, 0.0, previous=phi2)
    assert unwound == pytest.approx(0.02)
    assert opened + bigger + unwound == pytest.approx(0.0)


def test_adaptive_reward_charges_the_ex_ante_variance_and_ignores_the_shaping_terms() -> None:
    w = weights("adaptive", risk_aversion=0.5, trend_weight=1.0, inventory_penalty=1.0)
    # risk 2.0 currency = 2 units of expected one-step PnL volatility: 0.5 * 2**2 charged.
    assert step(w, d_pnl=3.0, position=1.0, signal=3.0, risk=2.0)[0] == pytest.approx(1.0)
    assert step(w, d_pnl=-3.0, position=-1.0, signal=3.0, risk=2.0)[0] == pytest.approx(-5.0)
    # The realised PnL is not squared: a crash step costs its loss, not the loss squared.
    assert step(w, d_pnl=-50.0, position=1.0, risk=0.1)[0] == pytest.approx(-50.005)
    assert step(w, d_pnl=1.0, position=0.0, risk=0.0)[0] == pytest.approx(1.0)


def test_potential_is_zero_at_the_end_so_an_open_credit_is_charged_back() -> None:
    w = weights("momentum", trend_weight=0.05)
    _, phi = step(w, 0.0, 1.0, signal=2.0)
    last, phi_end = step(w, 0.0, 1.0, signal=2.0, previous=phi, done=True)
    assert phi_end == 0.0
    assert last == pytest.approx(-0.05 * math.tanh(2.0))


def test_potentials_of_several_agents_use_each_agents_own_style() -> None:
    specs = [
        AgentSpec.from_dict({"name": "m", "style": "momentum", "trend_weight": 0.1}),
        AgentSpec.from_dict({"name": "r", "style": "mean_reversion", "inventory_penalty": 0.1}),
        AgentSpec.from_dict({"name": "a", "style": "adaptive"}),
    ]
    w = RewardWeights.of(specs, P0, TICK)
    phi = potentials(w, np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(phi, [0.1 * math.tanh(1.0), -0.1, 0.0])


@pytest.mark.parametrize("seed", [0, 1])
def test_shaped_episode_return_equals_the_pnl_for_momentum_and_mean_reversion(seed: int) -> None:
    # Potential-based shaping telescopes: over an episode it adds nothing to the PnL, so the
    # PnL-best policy stays the best one. The adaptive agent's risk term does change it.
    env = MultiAgentMarketEnv({"episode_length": 120, "seed": seed})
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    total = dict.fromkeys(obs, 0.0)
    done = False
    while not done:
        actions = {a: int(rng.integers(3)) for a in obs}
        obs, rewards, _, truncated, _ = env.step(actions)
        for agent, r in rewards.items():
            total[agent] += r
        done = truncated["__all__"]
    pnl = env.agent_record().groupby("agent")["pnl"].last()
    unit = 10 * 10_000 * 0.01 * 1e-3
    for agent in ("momentum", "mean_reversion"):
        assert total[agent] == pytest.approx(pnl[agent] / unit, abs=1e-9)
    assert total["adaptive"] < pnl["adaptive"] / unit  # the variance penalty only subtracts
