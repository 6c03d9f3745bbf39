"""Market orders: sweeps across levels, immediate-or-cancel remainder."""

from __future__ import annotations

import numpy as np

from market.book import OrderBook
from tests.market.book_helpers import book_with, snapshot


def test_market_buy_sweeps_several_levels_in_price_time_order() -> None:
    book = book_with(asks=[(101, 2), (103, 5), (102, 3), (101, 1)])
    fills = book.submit_market(50, "buy", 9, "mt")
    assert [(f.maker_id, f.price, f.qty) for f in fills] == [
        (1, 101, 2), (4, 101, 1), (3, 102, 3), (2, 103, 3)
    ]
    assert all(f.taker_id == 50 and f.taker_owner == "mt" and f.taker_side == "buy" for f in fills)
    assert book.depth("sell", 5) == [(103, 2)]
    assert book.best_ask() == 103


def test_market_sell_sweeps_bids_downwards() -> None:
    book = book_with(bids=[(98, 4), (100, 1), (99, 2)])
    fills = book.submit_market(9, "sell", 5, "s")
    assert [(f.price, f.qty) for f in fills] == [(100, 1), (99, 2), (98, 2)]
    assert book.depth("buy", 5) == [(98, 2)]


def test_unfilled_rest_of_a_market_order_is_dropped() -> None:
    book = book_with(asks=[(101, 3), (102, 4)])
    fills = book.submit_market(9, "buy", 100, "t")
    assert sum(f.qty for f in fills) == 7
    assert len(book) == 0 and book.best_bid() is None and book.best_ask() is None
    assert book.owner_of(9) is None and 9 not in book


def test_market_order_on_an_empty_side_fills_nothing_and_changes_nothing() -> None:
    book = book_with(bids=[(99, 5)])
    before = snapshot(book)
    assert book.submit_market(9, "buy", 10, "t") == []
    assert snapshot(book) == before
    assert OrderBook().submit_market(1, "sell", 1, "t") == []


def test_market_order_exactly_clearing_a_level_moves_the_best_price() -> None:
    book = book_with(asks=[(101, 3), (101, 2), (104, 1)])
    fills = book.submit_market(9, "buy", 5, "t")
    assert [f.qty for f in fills] == [3, 2]
    assert book.best_ask() == 104 and book.depth("sell", 5) == [(104, 1)]


def test_batch_market_order_reports_per_call_owners_and_event_index() -> None:
    book = book_with(asks=[(101, 2, "mm"), (102, 3, 42)])
    cols = {"kinds": [2, 1], "order_ids": [99, 10], "sides": [0, 1], "prices": [0, 0],
            "qtys": [0, 4], "owners": [0, 7]}
    fills = book.submit_batch(**{k: np.array(v) for k, v in cols.items()})
    assert len(fills) == 2 and fills.event.tolist() == [1, 1]
    assert fills.maker_owner.tolist() == ["mm", 42] and fills.taker_owner.tolist() == [7, 7]
    assert fills.price.tolist() == [101, 102] and fills.taker_side.tolist() == [1, 1]
    assert [f.maker_owner for f in fills.to_fills()] == ["mm", 42]
    assert 2 in book and np.int64(2) in book and 1 not in book and "x" not in book
