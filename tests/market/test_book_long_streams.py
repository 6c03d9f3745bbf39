"""The compiled book against an independent reference on long seeded streams.

One stream of 100k events (the issue's >= 100k) and two of 40k, on different seeds: 180k events.

Streams wander over wide price ranges (jumps of hundreds of ticks, prices from tens to about a
hundred thousand ticks), with bursts of cancels, limit and market orders that sweep through
many levels, re-used ids of dead orders and attempts to re-use live ids (which must raise and
change nothing). After EVERY event: the same fills (or the same error), the same cancel result,
the same best bid and ask and the same top-5 depth on both sides; every 2,000 events the whole
book (all levels, every live id).
"""

from __future__ import annotations

import numpy as np
import pytest

from market.book import OrderBook
from tests.market.book_helpers import ALL_LEVELS, DequeReference, fill_tuples

STREAMS = ((1, 100_000), (2, 40_000), (3, 40_000))  # (seed, events): 180k events in all


def _call(book: OrderBook | DequeReference, event: tuple) -> object:
    kind, oid, side, price, qty, owner = event
    try:
        if kind == "limit":
            return fill_tuples(book.submit_limit(oid, side, price, qty, owner))
        if kind == "market":
            return fill_tuples(book.submit_market(oid, side, qty, owner))
        return book.cancel(oid)
    except ValueError:
        return "ValueError"


class Stream:
    """Seeded events whose prices follow a jumping random walk around the reference's touch."""

    def __init__(self, seed: int, ref: DequeReference) -> None:
        self.rng = np.random.default_rng(seed)
        self.ref = ref
        self.centre = float(self.rng.integers(200, 100_000))
        self.next_id = 1
        self.burst = 0
        self.sent: list[int] = []

    def _live_id(self) -> int:
        live = self.ref.where
        for _ in range(8):
            oid = self.sent[int(self.rng.integers(len(self.sent)))] if self.sent else 0
            if oid in live:
                return oid
        return int(self.rng.integers(0, self.next_id + 5))  # often dead or never sent

    def next(self) -> tuple:
        rng = self.rng
        u = rng.random()
        if self.burst:
            self.burst -= 1
            return ("cancel", self._live_id(), "buy", 0, 0, 0)
        if u < 0.01:
            self.burst = int(rng.integers(20, 150))
        if rng.random() < 0.002:  # a jump of the price level
            self.centre = max(60.0, self.centre + rng.normal(0, 400))
        self.centre = max(60.0, self.centre + rng.normal(0, 2))
        side = "buy" if rng.random() < 0.5 else "sell"
        owner = int(rng.integers(0, 50))
        if rng.random() < 0.01 and self.ref.where:  # try to re-use a live id: must be refused
            oid = next(iter(self.ref.where))
        elif rng.random() < 0.01 and self.sent:  # re-use the id of an order that is gone
            oid = self.sent[int(rng.integers(len(self.sent)))]
        else:
            oid, self.next_id = self.next_id, self.next_id + 1
            self.sent.append(oid)
        if u < 0.30:
            return ("cancel", self._live_id(), side, 0, 0, 0)
        if u < 0.40:  # market order, sometimes a sweep through many levels
            qty = int(rng.integers(1, 60)) * (int(rng.integers(5, 40)) if rng.random() < 0.1 else 1)
            return ("market", oid, side, 0, qty, owner)
        sign = 1 if side == "buy" else -1
        offset = int(rng.geometric(0.15)) - 1
        if rng.random() < 0.05:  # marketable limit deep through the book
            offset = -int(rng.integers(1, 60))
        price = max(1, int(round(self.centre)) - sign * offset)
        qty = int(rng.integers(1, 100))
        return ("limit", oid, side, price, qty, owner)


def _same_top(book: OrderBook, ref: DequeReference, i: int) -> None:
    assert book.best_bid() == ref.best_bid(), i
    assert book.best_ask() == ref.best_ask(), i
    assert book.depth("buy", 5) == ref.depth("buy", 5), i
    assert book.depth("sell", 5) == ref.depth("sell", 5), i


@pytest.mark.parametrize(("seed", "n_events"), STREAMS)
def test_long_stream_matches_the_reference_after_every_event(seed: int, n_events: int) -> None:
    book, ref = OrderBook(), DequeReference()
    stream = Stream(seed, ref)
    seen = {"fills": 0, "refused": 0, "cancelled": 0, "swept_levels": 0}
    bids: list[int] = []
    for i in range(n_events):
        event = stream.next()
        got, want = _call(book, event), _call(ref, event)
        assert got == want, (i, event)
        if got == "ValueError":
            seen["refused"] += 1
        elif got is True:
            seen["cancelled"] += 1
        elif isinstance(got, list):
            seen["fills"] += len(got)
            seen["swept_levels"] = max(seen["swept_levels"], len({f[2] for f in got}))
        _same_top(book, ref, i)
        bid = ref.best_bid()
        if bid is not None:
            bids.append(bid)
        if i % 2_000 == 0:
            assert book.depth("buy", ALL_LEVELS) == ref.depth("buy", ALL_LEVELS)
            assert book.depth("sell", ALL_LEVELS) == ref.depth("sell", ALL_LEVELS)
            assert len(book) == len(ref.where)
            assert sorted(o for o in ref.live_ids() if o in book) == sorted(ref.live_ids())
    # the stream really exercised what it claims
    assert seen["refused"] > 50 and seen["cancelled"] > 1_000 and seen["fills"] > 10_000
    assert seen["swept_levels"] >= 10
    assert max(bids) - min(bids) > 300  # a wide price range
