"""Property tests: on random event streams the book agrees with a slow reference model.

Checked after every event: identical fills and cancel results, identical depth on both sides, an
uncrossed book, the same live orders per owner, and conservation of limit-order quantity. The
batch path must give exactly the fills and final book of the per-call API, also when mixed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_book import make_stream
from market.book import OrderBook
from tests.market.book_helpers import ALL_LEVELS, ReferenceBook, fill_tuples, snapshot

SIDES = st.sampled_from(["buy", "sell"])
OWNERS = st.integers(0, 3)
LIMIT = st.tuples(st.just(0), SIDES, st.integers(95, 105), st.integers(1, 20), OWNERS)
MARKET = st.tuples(st.just(1), SIDES, st.just(0), st.integers(1, 40), OWNERS)
CANCEL = st.tuples(st.just(2), st.just("buy"), st.just(0), st.integers(0, 10**6), st.just(0))
STREAMS = st.lists(st.one_of(LIMIT, LIMIT, LIMIT, MARKET, CANCEL, CANCEL), max_size=80)
PROPERTY_SETTINGS = settings(max_examples=250, deadline=None)


def _as_calls(stream: list[tuple]) -> list[tuple]:
    """Number events 1, 2, ...; a cancel targets an id seen so far (or one never submitted)."""
    calls = []
    for i, (kind, side, price, qty, owner) in enumerate(stream, start=1):
        target = qty % (i + 1) if kind == 2 else i  # may be 0 or i: ids that are never live
        calls.append((kind, target, side, price, qty, owner))
    return calls


def _apply(book: OrderBook | ReferenceBook, call: tuple) -> object:
    kind, oid, side, price, qty, owner = call
    if kind == 0:
        return fill_tuples(book.submit_limit(oid, side, price, qty, owner))
    if kind == 1:
        return fill_tuples(book.submit_market(oid, side, qty, owner))
    return book.cancel(oid)


@PROPERTY_SETTINGS
@given(STREAMS)
def test_book_matches_the_reference_model_event_by_event(stream: list[tuple]) -> None:
    book, ref = OrderBook(), ReferenceBook()
    submitted = filled_by_limit_takers = maker_fills = cancelled = 0
    limit_ids = set()
    for call in _as_calls(stream):
        kind, oid, _, _, qty, _ = call
        resting_order = book.order(oid)
        if kind == 2 and resting_order is not None:
            cancelled += resting_order[2]
        got, want = _apply(book, call), _apply(ref, call)
        assert got == want
        if isinstance(got, list):
            traded = sum(f[3] for f in got)
            maker_fills += traded
            filled_by_limit_takers += traded if kind == 0 else 0
        if kind == 0:
            submitted += qty
            limit_ids.add(oid)
        bids, asks = book.depth("buy", ALL_LEVELS), book.depth("sell", ALL_LEVELS)
        assert bids == ref.depth("buy") and asks == ref.depth("sell")
        assert book.best_bid() == (bids[0][0] if bids else None)
        assert book.best_ask() == (asks[0][0] if asks else None)
        if bids and asks:
            assert bids[0][0] < asks[0][0]
        assert {i for i in limit_ids if book.owner_of(i) is not None} == ref.live_ids()
        resting = sum(q for _, q in bids) + sum(q for _, q in asks)
        assert submitted == maker_fills + filled_by_limit_takers + resting + cancelled
    for owner in range(4):
        want_ids = [o[0] for o in sorted(ref.resting, key=lambda o: o[5]) if o[4] == owner]
        assert book.live_orders(owner) == want_ids


def _columns(calls: list[tuple]) -> dict[str, np.ndarray]:
    kinds, ids, sides, prices, qtys, owners = zip(*calls, strict=True)
    return {
        "kinds": np.array(kinds), "order_ids": np.array(ids),
        "sides": np.array([1 if s == "buy" else -1 for s in sides]),
        "prices": np.array(prices), "qtys": np.array(qtys), "owners": np.array(owners),
    }


def _per_call_fills(book: OrderBook, calls: list[tuple]) -> list[tuple]:
    fills = []
    for call in calls:
        result = _apply(book, call)
        if isinstance(result, list):
            fills += result
    return fills


@PROPERTY_SETTINGS
@given(STREAMS.filter(bool), st.integers(0, 80))
def test_batch_path_gives_the_per_call_fills_also_when_mixed(stream: list[tuple], cut: int) -> None:
    calls = _as_calls(stream)
    cut = min(cut, len(calls) - 1)
    per_call = OrderBook()
    want = _per_call_fills(per_call, calls)
    mixed = OrderBook()
    got = _per_call_fills(mixed, calls[:cut])
    batch = mixed.submit_batch(**_columns(calls[cut:]))
    got += fill_tuples(batch.to_fills())
    assert got == want
    assert snapshot(mixed) == snapshot(per_call)
    takers = zip(batch.event.tolist(), batch.taker_id.tolist(), strict=True)
    assert all(calls[cut + e][0] != 2 and calls[cut + e][1] == t for e, t in takers)


def test_batch_and_per_call_agree_on_a_long_seeded_stream() -> None:
    cols = make_stream(20_000, seed=7)
    calls = list(zip(
        cols["kinds"].tolist(), cols["order_ids"].tolist(),
        ["buy" if s > 0 else "sell" for s in cols["sides"].tolist()],
        cols["prices"].tolist(), cols["qtys"].tolist(), cols["owners"].tolist(), strict=True,
    ))
    per_call = OrderBook()
    want = _per_call_fills(per_call, calls)
    batch_book = OrderBook()
    got = batch_book.submit_batch(**cols)
    assert len(want) > 1_000
    assert fill_tuples(got.to_fills()) == want
    assert snapshot(batch_book, range(20_001)) == snapshot(per_call, range(20_001))
    assert batch_book.live_orders(3) == per_call.live_orders(3)


ODD_OWNERS = st.sampled_from([0, 7, -5, 2**62, -(2**62) - 3, "mm", ("trader", 1)])
WIDE_PRICES = st.sampled_from([1, 2, 3, 99, 100, 101, 10**6, 2**40, 2**48 - 1])
WIDE_LIMIT = st.tuples(st.just(0), SIDES, WIDE_PRICES, st.integers(1, 20), ODD_OWNERS)
WIDE_MARKET = st.tuples(st.just(1), SIDES, st.just(0), st.integers(1, 60), ODD_OWNERS)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(WIDE_LIMIT, WIDE_LIMIT, WIDE_MARKET, CANCEL), max_size=60))
def test_extreme_prices_and_any_hashable_owner_round_trip(stream: list[tuple]) -> None:
    book, ref = OrderBook(), ReferenceBook()
    for call in _as_calls(stream):
        assert _apply(book, call) == _apply(ref, call)
    assert book.depth("buy", ALL_LEVELS) == ref.depth("buy")
    assert book.depth("sell", ALL_LEVELS) == ref.depth("sell")
    for owner in (0, 7, -5, 2**62, -(2**62) - 3, "mm", ("trader", 1)):
        want_ids = [o[0] for o in sorted(ref.resting, key=lambda o: o[5]) if o[4] == owner]
        assert book.live_orders(owner) == want_ids


def test_growth_and_recycled_levels_keep_the_book_exact() -> None:
    """Thousands of orders on ever new price levels and owners force every table to grow."""
    rng = np.random.default_rng(3)
    book, ref = OrderBook(capacity=8), ReferenceBook()
    for oid in range(1, 3001):
        u = rng.random()
        if u < 0.3 and oid > 1:
            call = (2, int(rng.integers(1, oid)), "buy", 0, 0, 0)
        elif u < 0.35:
            call = (1, oid, "buy" if u < 0.325 else "sell", 0, int(rng.integers(1, 200)), 0)
        else:
            side = "buy" if rng.random() < 0.5 else "sell"
            drift = oid // 10  # the touch wanders: old levels empty, new ones appear
            price = 1000 + drift + (-1 if side == "buy" else 1) * int(rng.integers(0, 40))
            call = (0, oid, side, price, int(rng.integers(1, 30)), int(rng.integers(0, 300)))
        assert _apply(book, call) == _apply(ref, call)
    assert book.depth("buy", ALL_LEVELS) == ref.depth("buy")
    assert book.depth("sell", ALL_LEVELS) == ref.depth("sell")
    assert len(book) == len(ref.resting)
