"""Limit orders: resting, crossing, price-time priority and partial fills."""

from __future__ import annotations

import numpy as np

from market.book import Fill, OrderBook, Side
from tests.market.book_helpers import book_with, fill_tuples


def test_empty_book_has_no_prices() -> None:
    book = OrderBook()
    assert book.best_bid() is None and book.best_ask() is None and book.mid() is None
    assert book.depth("buy", 5) == [] and book.depth("sell", 5) == []
    assert len(book) == 0


def test_non_crossing_orders_rest_and_aggregate_by_level() -> None:
    book = book_with(bids=[(99, 10), (98, 5), (99, 7)], asks=[(101, 3), (103, 4), (101, 1)])
    assert book.best_bid() == 99 and book.best_ask() == 101
    assert book.mid() == 100.0
    assert book.depth("buy", 5) == [(99, 17), (98, 5)]
    assert book.depth("sell", 5) == [(101, 4), (103, 4)]
    assert book.depth("sell", 1) == [(101, 4)]
    assert book.total_depth("buy", 5) == 22 and book.total_depth("sell", 1) == 4


def test_crossing_limit_trades_at_the_resting_price() -> None:
    book = book_with(asks=[(101, 5, "maker")])
    fills = book.submit_limit(9, "buy", 105, 5, "taker")
    assert fills == [Fill(1, 9, 101, 5, "maker", "taker", Side.BUY)]
    assert fills[0].taker_side == "buy"
    assert book.best_ask() is None and book.best_bid() is None and len(book) == 0


def test_fifo_within_a_level_then_better_prices_first() -> None:
    book = book_with(asks=[(102, 4), (101, 3), (101, 2), (102, 1)])  # ids 1..4
    fills = book.submit_limit(10, "buy", 102, 8, "t")
    assert [(f.maker_id, f.price, f.qty) for f in fills] == [(2, 101, 3), (3, 101, 2), (1, 102, 3)]
    assert book.depth("sell", 5) == [(102, 2)]
    assert book.order(1) == (Side.SELL, 102, 1, "asker")  # partially filled, still first in line


def test_sell_taker_hits_highest_bid_first_fifo() -> None:
    book = book_with(bids=[(99, 2, "a"), (100, 2, "b"), (100, 2, "c")])
    fills = book.submit_limit(7, Side.SELL, 99, 5, "s")
    assert fill_tuples(fills) == [
        (2, 7, 100, 2, "b", "s", "sell"),
        (3, 7, 100, 2, "c", "s", "sell"),
        (1, 7, 99, 1, "a", "s", "sell"),
    ]
    assert book.depth("buy", 5) == [(99, 1)]


def test_partially_filled_taker_rests_its_remainder_at_its_limit() -> None:
    book = book_with(asks=[(101, 3), (102, 3)])
    fills = book.submit_limit(5, "buy", 101, 10, "t")
    assert [(f.maker_id, f.qty) for f in fills] == [(1, 3)]
    assert book.best_bid() == 101 and book.best_ask() == 102
    assert book.depth("buy", 5) == [(101, 7)]
    assert book.owner_of(5) == "t"


def test_partially_filled_maker_keeps_its_time_priority() -> None:
    book = book_with(bids=[(100, 10, "first"), (100, 5, "second")])
    book.submit_market(20, "sell", 4, "s")
    fills = book.submit_market(21, "sell", 8, "s")
    assert [(f.maker_owner, f.qty) for f in fills] == [("first", 6), ("second", 2)]


def test_numpy_integers_and_side_enum_are_accepted() -> None:
    book = OrderBook()
    book.submit_limit(np.int64(1), Side.BUY, np.int64(100), np.int32(5), 0)
    assert book.depth(Side.BUY, 1) == [(100, 5)]
    fills = book.submit_limit(2, "sell", 100, np.int64(2), 1)
    assert fills == [Fill(1, 2, 100, 2, 0, 1, Side.SELL)]
    assert all(type(v) is int for v in fills[0][:4])


def test_side_enum_helpers() -> None:
    assert Side.BUY.sign == 1 and Side.SELL.sign == -1
    assert Side.BUY.opposite is Side.SELL and Side("sell") is Side.SELL


def test_numpy_int_owners_are_the_same_owner_as_python_ints() -> None:
    book = OrderBook()
    book.submit_limit(1, "buy", 100, 5, np.int64(3))
    book.submit_limit(2, "buy", 100, 5, 3)
    assert book.live_orders(3) == [1, 2] and book.live_orders(np.int32(3)) == [1, 2]
    assert book.owner_of(1) == 3 and book.live_orders("3") == []
