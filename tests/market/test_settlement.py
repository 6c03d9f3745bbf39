"""Settlement per account, checked fill by fill against the fills the book reports (not totals).

Over a long random run (>= 100k fills, RL agents trading, a flash crash, traders joining and
leaving), every step's change of every account must equal exactly what that step's fills say:
the taker of a buy fill pays price x qty to the maker and receives qty shares, a sell the other
way round; nobody else's account moves.
"""

from __future__ import annotations

import numpy as np

from market.config import AgentSpec
from market.simulator import MarketSimulator

MIN_FILLS = 100_000


def expected_change(n: int, fills: object) -> tuple[np.ndarray, np.ndarray]:
    """(cash change, share change) per owner id implied by one step's fills."""
    side, qty, price = fills.taker_side, fills.qty, fills.price  # type: ignore[attr-defined]
    taker, maker = fills.taker_owner, fills.maker_owner  # type: ignore[attr-defined]
    shares, cash = np.zeros(n, np.int64), np.zeros(n, np.int64)
    np.add.at(shares, taker, side * qty)
    np.add.at(shares, maker, -side * qty)
    np.add.at(cash, taker, -side * qty * price)
    np.add.at(cash, maker, side * qty * price)
    return cash, shares


def test_every_fill_moves_price_times_qty_between_the_right_accounts() -> None:
    agents = [AgentSpec("a", "momentum", order_size=30, max_position=300),
              AgentSpec("b", "adaptive")]  # fmt: skip
    events = [{"type": "flash_crash", "step": 500, "duration": 5}]
    sim = MarketSimulator({"episode_length": 10_000}, events=events, agents=agents, seed=8)
    rng = np.random.default_rng(8)
    n_fills = step = 0
    makers_seen, takers_seen = set(), set()
    while n_fills < MIN_FILLS:
        if step == 1000:
            sim.add_trader("noise", {"mean_size": 40})
            sim.remove_trader("market_maker_0")
        cash0, shares0 = sim.cash.copy(), sim.shares.copy()
        sim.step({n: int(rng.integers(-1, 2)) for n in sim.rl_names})
        fills = sim.last_fills
        d_cash, d_shares = expected_change(len(sim.cash), fills)
        np.testing.assert_array_equal(sim.cash - cash0, d_cash, err_msg=f"cash, step {step}")
        np.testing.assert_array_equal(sim.shares - shares0, d_shares, err_msg=f"shares, {step}")
        assert len(fills) == sim.trades and int(fills.qty.sum()) == sim.volume
        n_fills += len(fills)
        makers_seen.update(fills.maker_owner.tolist())
        takers_seen.update(fills.taker_owner.tolist())
        step += 1
    owners = {sim.accounts()["agent_id"][o] for o in makers_seen | takers_seen}
    assert {"a", "b", "stress_seller", "noise_60", "market_maker_1"} <= owners
    assert (sim.accounts()["shares"] != 0).sum() > 50  # many accounts really moved
