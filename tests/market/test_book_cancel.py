"""Cancels: only the cancelled order leaves, FIFO of the rest is kept, owner bookkeeping."""

from __future__ import annotations

import copy
import pickle

import pytest

from market.book import Side
from tests.market.book_helpers import book_with, snapshot


def test_cancel_returns_true_once_and_false_for_unknown_ids() -> None:
    book = book_with(bids=[(99, 5)])
    assert book.cancel(1) is True
    assert book.cancel(1) is False
    assert book.cancel(12345) is False
    assert book.best_bid() is None and book.depth("buy", 5) == [] and len(book) == 0


def test_cancel_in_the_middle_of_a_level_keeps_the_other_orders_in_fifo_order() -> None:
    book = book_with(asks=[(101, 1, "a"), (101, 2, "b"), (101, 3, "c"), (101, 4, "d")])
    assert book.cancel(2)
    assert book.depth("sell", 5) == [(101, 8)]
    fills = book.submit_market(9, "buy", 8, "t")
    assert [(f.maker_owner, f.qty) for f in fills] == [("a", 1), ("c", 3), ("d", 4)]


def test_cancel_of_the_head_order_lets_the_next_one_trade_first() -> None:
    book = book_with(bids=[(100, 5, "head"), (100, 5, "next")])
    assert book.cancel(1)
    fills = book.submit_limit(9, "sell", 100, 3, "t")
    assert [(f.maker_owner, f.qty) for f in fills] == [("next", 3)]


def test_cancelling_the_best_level_moves_the_best_price() -> None:
    book = book_with(bids=[(100, 5), (99, 1)], asks=[(101, 2), (105, 1)])
    assert book.cancel(1) and book.cancel(3)
    assert book.best_bid() == 99 and book.best_ask() == 105
    assert book.mid() == 102.0


def test_cancel_after_a_full_fill_is_false_and_after_a_partial_fill_removes_the_rest() -> None:
    book = book_with(asks=[(101, 2), (101, 5)])
    book.submit_market(9, "buy", 4, "t")
    assert book.cancel(1) is False
    assert book.order(2) == (Side.SELL, 101, 3, "asker")
    assert book.cancel(2) is True
    assert book.depth("sell", 5) == []


def test_cancelled_price_level_can_be_reused() -> None:
    book = book_with(bids=[(100, 5)])
    book.cancel(1)
    book.submit_limit(2, "buy", 100, 7, "x")
    book.submit_limit(3, "buy", 101, 1, "x")
    assert book.depth("buy", 5) == [(101, 1), (100, 7)]
    assert [f.maker_id for f in book.submit_market(4, "sell", 8, "s")] == [3, 2]


def test_an_order_id_can_be_reused_after_its_cancel() -> None:
    book = book_with(bids=[(100, 5)])
    book.cancel(1)
    book.submit_limit(1, "sell", 102, 2, "again")
    assert book.order(1) == (Side.SELL, 102, 2, "again")


def test_many_cancels_behind_a_long_lived_head_keep_depth_and_fifo_exact() -> None:
    book = book_with(bids=[(100, 1, "head")])
    for i in range(2, 300):
        book.submit_limit(i, "buy", 100, 1, "mm")
        if i % 5:
            assert book.cancel(i)
    survivors = [i for i in range(2, 300) if i % 5 == 0]
    assert book.depth("buy", 1) == [(100, 1 + len(survivors))]
    fills = book.submit_market(999, "sell", 1000, "s")
    assert [f.maker_id for f in fills] == [1, *survivors]


def test_owner_of_live_orders_and_cancel_all() -> None:
    book = book_with(bids=[(99, 1, "mm"), (98, 1, "x")], asks=[(101, 1, "mm"), (102, 1, "mm")])
    assert book.owner_of(1) == "mm" and book.owner_of(2) == "x" and book.owner_of(77) is None
    assert book.live_orders("mm") == [1, 3, 4]
    assert book.live_orders("nobody") == []
    book.submit_market(9, "buy", 1, "t")  # fills order 3
    assert book.live_orders("mm") == [1, 4]
    assert book.cancel_all("mm") == 2
    assert book.live_orders("mm") == [] and book.cancel_all("mm") == 0
    assert book.depth("buy", 5) == [(98, 1)] and book.depth("sell", 5) == []


@pytest.mark.parametrize("bad_id", [1.0, True, "1", None])
def test_cancel_rejects_non_integer_ids(bad_id: object) -> None:
    book = book_with(bids=[(99, 5)])
    with pytest.raises(ValueError, match="order_id"):
        book.cancel(bad_id)  # type: ignore[arg-type]
    assert book.depth("buy", 5) == [(99, 5)]


def test_a_pickled_or_copied_book_is_an_independent_equal_book() -> None:
    book = book_with(bids=[(99, 5, "b"), (98, 1, "b")], asks=[(101, 2, ("tuple", "owner"))])
    for clone in (pickle.loads(pickle.dumps(book)), copy.deepcopy(book)):
        assert snapshot(clone) == snapshot(book)
        assert clone.live_orders(("tuple", "owner")) == [3]
        clone.submit_market(50, "sell", 5, "s")
        assert clone.depth("buy", 5) == [(98, 1)] and book.depth("buy", 5) == [(99, 5), (98, 1)]
