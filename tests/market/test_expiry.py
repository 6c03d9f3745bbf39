"""Quote expiry, known answers: the queue on its own, then the simulator's resting orders.

A limit order sent at step s with lifetime L is cancelled at the start of step s + L (noise
orders live `noise.lifetime` steps, fundamentalists' `fundamentalist.lifetime`, makers' quotes
one step); market orders and unknown lifetimes never enter the queue.
"""

from __future__ import annotations

import numpy as np
import pytest

from market.agents.market_maker import QUOTE_LIFETIME
from market.expiry import ExpiryQueue
from market.orders import KIND_LIMIT, KIND_MARKET
from market.simulator import MarketSimulator
from market.state import NEXT_ID


def test_queue_returns_each_limit_order_at_its_due_step_in_queue_order() -> None:
    q = ExpiryQueue([1, 3])
    q.push([KIND_LIMIT, KIND_MARKET, KIND_LIMIT, KIND_LIMIT, KIND_LIMIT], [3, 1, 1, 7, 1],
           [10, 11, 12, 13, 14], step=5)  # fmt: skip
    q.push([KIND_LIMIT], [1], [20], step=7)
    assert q.pop(5).tolist() == [] and q.pop(6).tolist() == [12, 14]  # lifetime 1, in order
    assert q.pop(6).tolist() == []  # popped once only
    assert q.pop(7).tolist() == []
    assert q.pop(8).tolist() == [10, 20]  # sent at 5 with lifetime 3, then at 7 with lifetime 1
    assert all(q.pop(s).size == 0 for s in range(9, 40))  # the market order and lifetime 7: never


def test_queue_keeps_ids_when_it_grows_and_rejects_bad_lifetimes() -> None:
    q = ExpiryQueue([2], capacity=1)
    q.push([KIND_LIMIT], [2], [1], step=0)
    q.push([KIND_LIMIT] * 50, [2] * 50, np.arange(100, 150), step=1)
    assert q.pop(2).tolist() == [1] and q.pop(3).tolist() == list(range(100, 150))
    with pytest.raises(ValueError, match="lifetimes"):
        ExpiryQueue([0, 3])


def _ids_by_step(steps: int) -> tuple[MarketSimulator, list[range]]:
    """A run and the range of order ids sent at each step (ids are given out in step order)."""
    sim = MarketSimulator({"episode_length": steps, "warmup_steps": 0}, seed=5)
    sent = []
    for _ in range(steps):
        first = int(sim._ist[NEXT_ID])
        sim.step()
        sent.append(range(first, int(sim._ist[NEXT_ID])))
    return sim, sent


def test_resting_orders_expire_exactly_after_their_lifetime() -> None:
    steps = 60
    sim, sent = _ids_by_step(steps)
    cfg = sim.config
    live_by_kind: dict[str, set[int]] = {}
    for kind, group in sim.groups.items():
        live_by_kind[kind] = {i for o in group.owners.tolist() for i in sim.book.live_orders(o)}
    lifetimes = {"noise": cfg.noise.lifetime, "fundamentalist": cfg.fundamentalist.lifetime,
                 "market_maker": QUOTE_LIFETIME}  # fmt: skip
    for kind, life in lifetimes.items():
        live = live_by_kind[kind]
        # nothing older than its lifetime survives the start of step `steps` ...
        assert not live & {i for r in sent[: steps - life] for i in r}, kind
    # ... and none expires early: noise limits deep in the book from the oldest step still inside
    # the lifetime are live, and so are fundamentalists' orders of more than one step ago
    assert live_by_kind["noise"] & set(sent[steps - cfg.noise.lifetime])
    window = sent[steps - cfg.fundamentalist.lifetime : steps - 1]
    assert live_by_kind["fundamentalist"] & {i for r in window for i in r}
    assert live_by_kind["market_maker"] <= set(sent[-1])  # quotes: the last step's only
    assert not live_by_kind["momentum"]  # market orders never rest
