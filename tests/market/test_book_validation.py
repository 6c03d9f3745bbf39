"""Bad input raises ValueError naming the problem and leaves the book exactly as it was."""

from __future__ import annotations

import numpy as np
import pytest

from market.book import OrderBook
from tests.market.book_helpers import book_with, snapshot


@pytest.fixture
def book() -> OrderBook:
    return book_with(bids=[(99, 5), (98, 3)], asks=[(101, 4), (102, 2)])  # ids 1..4


LIMIT_CASES = [
    pytest.param({"qty": 0}, "qty", id="qty-zero"),
    pytest.param({"qty": -3}, "qty", id="qty-negative"),
    pytest.param({"qty": 2.0}, "qty", id="qty-float"),
    pytest.param({"qty": 2.5}, "qty", id="qty-fraction"),
    pytest.param({"qty": True}, "qty", id="qty-bool"),
    pytest.param({"qty": "2"}, "qty", id="qty-str"),
    pytest.param({"qty": None}, "qty", id="qty-none"),
    pytest.param({"price": 0}, "price", id="price-zero"),
    pytest.param({"price": -101}, "price", id="price-negative"),
    pytest.param({"price": 101.0}, "price", id="price-float"),
    pytest.param({"price": np.float64(101)}, "price", id="price-numpy-float"),
    pytest.param({"price": True}, "price", id="price-bool"),
    pytest.param({"side": "BUY"}, "side", id="side-uppercase"),
    pytest.param({"side": "hold"}, "side", id="side-unknown"),
    pytest.param({"side": 1}, "side", id="side-int"),
    pytest.param({"side": None}, "side", id="side-none"),
    pytest.param({"side": ["buy"]}, "side", id="side-unhashable"),
    pytest.param({"order_id": 1}, "order_id", id="duplicate-live-bid-id"),
    pytest.param({"order_id": 4}, "order_id", id="duplicate-live-ask-id"),
    pytest.param({"order_id": 7.0}, "order_id", id="id-float"),
    pytest.param({"order_id": False}, "order_id", id="id-bool"),
    pytest.param({"owner": ["unhashable"]}, "owner", id="owner-unhashable"),
    pytest.param({"qty": 1 << 48}, "qty", id="qty-too-large"),
    pytest.param({"qty": 1 << 64}, "qty", id="qty-beyond-int64"),
    pytest.param({"price": 1 << 48}, "price", id="price-too-large"),
    pytest.param({"price": -(1 << 64)}, "price", id="price-beyond-int64"),
    pytest.param({"order_id": -(1 << 63)}, "order_id", id="id-reserved"),
    pytest.param({"order_id": 1 << 63}, "order_id", id="id-beyond-int64"),
]


@pytest.mark.parametrize(("change", "field"), LIMIT_CASES)
@pytest.mark.parametrize("base_side", ["buy", "sell"])
@pytest.mark.parametrize("owner", ["t", 5], ids=["str-owner", "int-owner"])  # int: the fast path
def test_bad_limit_order_raises_and_leaves_the_book_unchanged(
    book: OrderBook, change: dict, field: str, base_side: str, owner: object
) -> None:
    order = {"order_id": 7, "side": base_side, "price": 101 if base_side == "buy" else 99}
    order |= {"qty": 2, "owner": owner} | change  # crossing: it would trade if it were valid
    before = snapshot(book)
    with pytest.raises(ValueError, match=field):
        book.submit_limit(**order)  # type: ignore[arg-type]
    assert snapshot(book) == before


@pytest.mark.parametrize(
    ("change", "field"), [p for p in LIMIT_CASES if not str(p.id).startswith(("price", "owner"))]
)
@pytest.mark.parametrize("owner", ["t", 5], ids=["str-owner", "int-owner"])
def test_bad_market_order_raises_and_leaves_the_book_unchanged(
    book: OrderBook, change: dict, field: str, owner: object
) -> None:
    order = {"order_id": 7, "side": "buy", "qty": 2, "owner": owner} | change
    before = snapshot(book)
    with pytest.raises(ValueError, match=field):
        book.submit_market(**order)  # type: ignore[arg-type]
    assert snapshot(book) == before


def test_error_message_names_the_value(book: OrderBook) -> None:
    with pytest.raises(ValueError, match=r"qty must be > 0 shares, got -3"):
        book.submit_limit(9, "buy", 100, -3, "t")
    with pytest.raises(ValueError, match=r"order_id 2 is already live"):
        book.submit_market(2, "buy", 1, "t")
    with pytest.raises(ValueError, match=r"side must be 'buy' or 'sell', got 'hold'"):
        book.depth("hold", 5)


def test_filled_or_cancelled_ids_are_not_duplicates(book: OrderBook) -> None:
    book.cancel(1)
    book.submit_market(50, "buy", 4, "t")  # fills order 3 completely
    book.submit_limit(1, "buy", 97, 1, "t")
    book.submit_limit(3, "sell", 110, 1, "t")
    assert book.owner_of(1) == "t" and book.owner_of(3) == "t"


def _batch(**change: list) -> dict[str, np.ndarray]:
    cols = {"kinds": [0, 1, 2], "order_ids": [10, 11, 2], "sides": [1, -1, 0],
            "prices": [101, 0, 0], "qtys": [1, 1, 0], "owners": [5, 6, 0]}
    cols |= change
    return {k: np.asarray(v) for k, v in cols.items()}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"kinds": [0, 3, 2]}, "kinds", id="unknown-kind"),
        pytest.param({"sides": [1, 0, 0]}, "sides", id="side-zero"),
        pytest.param({"qtys": [1, 0, 0]}, "qtys", id="market-qty-zero"),
        pytest.param({"qtys": [-1, 1, 0]}, "qtys", id="limit-qty-negative"),
        pytest.param({"prices": [0, 0, 0]}, "prices", id="limit-price-zero"),
        pytest.param({"prices": [101.0, 0.0, 0.0]}, "prices", id="float-prices"),
        pytest.param({"qtys": [True, True, False]}, "qtys", id="bool-qtys"),
        pytest.param({"order_ids": [10, 10, 2]}, "order_ids", id="id-twice-in-batch"),
        pytest.param({"order_ids": [3, 11, 2]}, "order_ids", id="id-live-in-book"),
        pytest.param({"owners": [5, 6]}, "owners", id="length-mismatch"),
    ],
)
def test_bad_batch_raises_before_any_event_is_applied(
    book: OrderBook, change: dict, field: str
) -> None:
    before = snapshot(book)
    with pytest.raises(ValueError, match=field):
        book.submit_batch(**_batch(**change))
    assert snapshot(book) == before


def test_valid_batch_applies_every_event(book: OrderBook) -> None:
    fills = book.submit_batch(**_batch())
    assert fills.qty.tolist() == [1, 1] and fills.event.tolist() == [0, 1]
    assert fills.maker_id.tolist() == [3, 1] and fills.price.tolist() == [101, 99]
    assert book.owner_of(2) is None  # cancelled by the third event


@pytest.mark.parametrize("owner", [1 << 63, 1 << 70, -(1 << 62), -(1 << 64), np.int64(3)])
def test_int_owners_outside_the_direct_range_trade_and_come_back_as_given(owner: int) -> None:
    book = book_with(bids=[], asks=[(101, 4)])
    book.submit_limit(20, "sell", 101, 3, owner)  # rests behind order 1
    fills = book.submit_market(21, "buy", 6, owner)
    assert [(f.maker_id, f.qty, f.maker_owner, f.taker_owner) for f in fills] == [
        (1, 4, fills[0].maker_owner, owner), (20, 2, owner, owner)
    ]
    assert book.order(20) is not None and book.order(20)[3] == owner  # type: ignore[index]
    assert book.live_orders(owner) == [20]


def test_cancel_of_ids_the_book_cannot_hold_is_false(book: OrderBook) -> None:
    before = snapshot(book)
    assert [book.cancel(i) for i in (-(1 << 63), 1 << 63, -(1 << 70), 1 << 70)] == [False] * 4
    assert book.cancel(np.int64(1)) is True and book.cancel(1) is False
    with pytest.raises(ValueError, match="order_id"):
        book.cancel(True)
    assert snapshot(book) != before
