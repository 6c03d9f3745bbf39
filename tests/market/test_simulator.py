"""MarketSimulator: conservation, determinism, common random numbers, traders, records."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.config import AgentSpec
from market.simulator import MarketSimulator

AGENTS = [AgentSpec("a", "momentum", order_size=20, max_position=60), AgentSpec("b", "adaptive")]
MARKET_COLUMNS = [
    "step",
    "mid",
    "best_bid",
    "best_ask",
    "spread",
    "depth",
    "volume",
    "trades",
    "stress",
]


def run(sim: MarketSimulator, steps: int, rng: np.random.Generator | None = None) -> None:
    for _ in range(steps):
        actions = {} if rng is None else {n: int(rng.integers(-1, 2)) for n in sim.rl_names}
        sim.step(actions)


def totals(sim: MarketSimulator) -> tuple[int, int]:
    return int(sim.cash.sum()), int(sim.shares.sum())


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(50, 300), crash=st.integers(0, 200))
def test_cash_and_shares_are_conserved(seed: int, steps: int, crash: int) -> None:
    events = [
        {"type": "flash_crash", "step": crash},
        {"type": "liquidity_shock", "step": crash // 2},
        {"type": "volatility_regime", "step": 10, "duration": 50},
    ]
    sim = MarketSimulator({"warmup_steps": 5}, events=events, agents=AGENTS, seed=seed)
    start = totals(sim)
    rng = np.random.default_rng(seed)
    run(sim, steps // 2, rng)
    assert totals(sim) == start
    sim.add_trader("noise", {"mean_size": 30})  # brings its own endowment
    start = totals(sim)
    sim.remove_trader("market_maker_0")
    sim.inject_event({"type": "news_shock", "step": 0, "params": {"jump": 0.01}})
    run(sim, steps - steps // 2, rng)
    assert totals(sim) == start
    acc = sim.accounts()
    assert list(acc.columns[:4]) == ["agent_id", "type", "cash", "shares"]
    assert acc["shares"].sum() == 0  # everyone starts with initial_shares=0


def test_long_run_conserves_and_records_every_step() -> None:
    sim = MarketSimulator({"episode_length": 100}, agents=AGENTS, seed=3)
    start = totals(sim)
    run(sim, 2000, np.random.default_rng(0))
    assert totals(sim) == start
    mr = sim.market_record()
    assert list(mr.columns[: len(MARKET_COLUMNS)]) == MARKET_COLUMNS
    assert len(mr) == 2000 and mr["step"].tolist() == list(range(2000))
    assert np.isfinite(mr["mid"]).all() and (mr["volume"] >= 0).all()
    assert len(sim.agent_record()) == 2 * 2000


def test_same_seed_same_run_and_other_seed_differs() -> None:
    a, b, c = (MarketSimulator(agents=AGENTS, seed=s) for s in (11, 11, 12))
    for sim in (a, b, c):
        run(sim, 300, np.random.default_rng(5))
    pd.testing.assert_frame_equal(a.market_record(), b.market_record())
    pd.testing.assert_frame_equal(a.agent_record(), b.agent_record())
    pd.testing.assert_frame_equal(a.accounts(), b.accounts())
    assert not a.market_record()["mid"].equals(c.market_record()["mid"])


def test_background_randomness_does_not_depend_on_rl_actions() -> None:
    """Common random numbers: same seed, different RL behaviour -> same variates drawn."""
    busy = MarketSimulator(agents=AGENTS, seed=4)
    idle = MarketSimulator(agents=AGENTS, seed=4)
    none = MarketSimulator(seed=4)
    run(busy, 300, np.random.default_rng(1))
    run(idle, 300)
    run(none, 300)
    assert not busy.market_record()["mid"].equals(idle.market_record()["mid"])
    for sim in (idle, none):
        pd.testing.assert_series_equal(
            busy.market_record()["fundamental"], sim.market_record()["fundamental"]
        )
        for name, rng in busy._rngs.items():
            assert rng.bit_generator.state == sim._rngs[name].bit_generator.state, name


def test_golden_market_record_of_seed_42() -> None:
    """Regression guard: any change of the default model or the book's matching shows up here."""
    sim = MarketSimulator({"episode_length": 200}, seed=42)
    run(sim, 200)
    mr = sim.market_record()
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(mr, index=False).to_numpy().tobytes()
    ).hexdigest()
    summary = (
        round(float(mr["mid"].iloc[-1]), 3),
        int(mr["volume"].sum()),
        int(mr["trades"].sum()),
    )
    assert summary == GOLDEN_SUMMARY
    assert digest[:16] == GOLDEN_DIGEST


GOLDEN_SUMMARY = (100.025, 13166, 3011)
GOLDEN_DIGEST = "3f4a0a0719074170"


def test_rl_orders_respect_position_limit_and_record_hold() -> None:
    sim = MarketSimulator(
        agents=[AgentSpec("a", "momentum", order_size=20, max_position=50)], seed=1
    )
    for _ in range(5):
        sim.step({"a": 1})
    rec = sim.agent_record()
    assert rec["position"].max() <= 50
    assert rec["action"].tolist()[2:] == [0, 0, 0]
    assert rec["action"].tolist()[:2] == [1, 1]


@pytest.mark.parametrize(("actions", "error"), [({"a": 2}, ValueError), ({"zz": 1}, KeyError)])
def test_bad_rl_actions_raise(actions: dict, error: type[Exception]) -> None:
    sim = MarketSimulator(agents=[AgentSpec("a", "momentum")], seed=1)
    with pytest.raises(error):
        sim.step(actions)


def test_add_and_remove_traders() -> None:
    sim = MarketSimulator(seed=2)
    new = sim.add_trader("fundamentalist", {"threshold_bps": 1.0})
    assert new == "fundamentalist_20" and new in set(sim.accounts()["agent_id"])
    run(sim, 50)
    sim.remove_trader("market_maker_1")
    owner = sim.accounts().index[sim.accounts()["agent_id"] == "market_maker_1"][0]
    assert sim.book.live_orders(owner) == []
    shares_before = sim.shares[owner]
    run(sim, 50)
    assert sim.book.live_orders(owner) == [] and sim.shares[owner] == shares_before
    with pytest.raises(KeyError):
        sim.remove_trader("market_maker_1")
    with pytest.raises(KeyError):
        sim.remove_trader("nobody")
    with pytest.raises(ValueError, match="kind='whale'"):
        sim.add_trader("whale")
    with pytest.raises(ValueError, match="size"):
        sim.add_trader("noise", {"size": 3})
    assert "noise_60" not in set(sim.accounts()["agent_id"])


def test_rl_agents_can_join_and_leave_mid_episode() -> None:
    sim = MarketSimulator(seed=2)
    run(sim, 10)
    sim.add_rl_agent(AgentSpec("late", "adaptive"))
    sim.step({"late": 1})
    sim.remove_rl_agent("late")
    sim.step({})
    rec = sim.agent_record()
    assert rec["agent"].tolist() == ["late"] and rec["step"].tolist() == [10]
    assert "late" in set(sim.accounts()["agent_id"])
    with pytest.raises(KeyError):
        sim.remove_rl_agent("late")


def test_state_snapshot() -> None:
    sim = MarketSimulator(seed=9)
    run(sim, 20)
    sim.inject_event({"type": "liquidity_shock", "step": 0, "duration": 5})
    state = sim.state()
    assert state["step"] == 20
    assert state["best_bid"] < state["mid"] < state["best_ask"]
    assert len(state["bids"]) == 5 and state["bids"][0][0] == state["best_bid"]
    assert state["active_events"][0]["type"] == "liquidity_shock"
    assert all(t["side"] in ("buy", "sell") for t in state["last_trades"])


def test_inject_event_in_the_past_is_rejected() -> None:
    sim = MarketSimulator(seed=9)
    run(sim, 5)
    with pytest.raises(ValueError, match="at_step=2"):
        sim.inject_event({"type": "flash_crash", "step": 0}, at_step=2)


def test_a_pickled_simulator_continues_exactly_like_the_original() -> None:
    import copy
    import pickle

    sim = MarketSimulator(agents=AGENTS, seed=21)
    run(sim, 40, np.random.default_rng(2))
    clones = [pickle.loads(pickle.dumps(sim)), copy.deepcopy(sim)]
    for s in (sim, *clones):
        run(s, 60, np.random.default_rng(3))
    for clone in clones:
        pd.testing.assert_frame_equal(clone.market_record(), sim.market_record())
        pd.testing.assert_frame_equal(clone.accounts(), sim.accounts())


def test_rl_pnl_is_the_mark_to_market_value_change_of_each_agent() -> None:
    sim = MarketSimulator(agents=AGENTS, seed=6)
    rng = np.random.default_rng(6)
    for step in range(100):
        if step == 50:
            sim.add_rl_agent(AgentSpec("late", "mean_reversion"))
        run(sim, 1, rng)
        o = sim.rl_owner
        value = sim.cash[o] + sim.shares[o] * sim.mid
        want = (value - sim.rl_value0) * sim.config.tick_size
        np.testing.assert_array_equal(sim.rl_pnl(), want)
        assert sim.agent_record()["pnl"].tail(len(o)).tolist() == want.tolist()
    assert np.abs(sim.rl_pnl()).max() > 0


def test_a_big_market_grows_the_book_mid_step_and_still_conserves() -> None:
    from market import _nbtables as tb

    counts = {"noise": 1200, "fundamentalist": 400, "momentum": 280, "market_maker": 120}
    sim = MarketSimulator({"counts": counts, "warmup_steps": 0}, seed=4)
    start, capacity = totals(sim), int(sim.book._buf[tb.OCAP])
    run(sim, 30)
    assert int(sim.book._buf[tb.OCAP]) > capacity and len(sim.book) > capacity
    assert totals(sim) == start and sim.market_record()["trades"].sum() > 1000


def test_an_order_the_book_cannot_take_raises_naming_the_field() -> None:
    events = [{"type": "volatility_regime", "step": 3, "duration": 5, "params": {"scale": 1e15}}]
    sim = MarketSimulator(events=events, seed=1)
    run(sim, 3)
    with pytest.raises(ValueError, match=r"qtys\[\d+\] = \d+: must be in \[1, 2\*\*48\)"):
        run(sim, 1)
