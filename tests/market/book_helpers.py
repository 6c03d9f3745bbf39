"""Shared helpers for the order-book tests: `book_with`, a book snapshot and a reference model."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from market.book import OrderBook

Level = tuple[int, int] | tuple[int, int, Hashable]
ALL_LEVELS = 10**6


def book_with(
    bids: Sequence[Level] = (), asks: Sequence[Level] = (), first_id: int = 1
) -> OrderBook:
    """A book holding the given resting orders, submitted in order with ids first_id, first_id+1...

    Each entry is (price, qty) or (price, qty, owner); the default owner is "bidder"/"asker".
    Bids get the first ids, then asks.
    """
    book = OrderBook()
    order_id = first_id
    for side, entries, default_owner in (("buy", bids, "bidder"), ("sell", asks, "asker")):
        for entry in entries:
            owner = entry[2] if len(entry) == 3 else default_owner
            assert book.submit_limit(order_id, side, entry[0], entry[1], owner) == []
            order_id += 1
    return book


def snapshot(book: OrderBook, ids: range = range(-5, 500)) -> tuple:
    """Everything observable about a book (depth, best prices, live orders) for equality checks."""
    return (
        book.depth("buy", ALL_LEVELS),
        book.depth("sell", ALL_LEVELS),
        book.best_bid(),
        book.best_ask(),
        len(book),
        [(i, book.order(i)) for i in ids if book.order(i) is not None],
    )


def fill_tuples(fills: Sequence) -> list[tuple]:
    """Fills as plain (maker_id, taker_id, price, qty, maker_owner, taker_owner, taker_side)."""
    return [tuple(f) for f in fills]


@dataclass
class ReferenceBook:
    """Obviously correct, slow book: a flat list of resting orders, re-sorted on every match."""

    resting: list[list] = field(default_factory=list)  # [order_id, side, price, qty, owner, seq]
    seq: int = 0

    def _match(self, order_id: int, side: str, limit: float, qty: int, owner: Hashable) -> tuple:
        opposite = "sell" if side == "buy" else "buy"
        sign = 1 if side == "buy" else -1
        fills = []
        makers = sorted(
            (o for o in self.resting if o[1] == opposite and sign * (o[2] - limit) <= 0),
            key=lambda o: (sign * o[2], o[5]),
        )
        for maker in makers:
            if qty == 0:
                break
            traded = min(qty, maker[3])
            fills.append((maker[0], order_id, maker[2], traded, maker[4], owner, side))
            maker[3] -= traded
            qty -= traded
        self.resting = [o for o in self.resting if o[3] > 0]
        return fills, qty

    def submit_limit(self, order_id: int, side: str, price: int, qty: int, owner: Hashable) -> list:
        fills, rest = self._match(order_id, side, price, qty, owner)
        if rest:
            self.seq += 1
            self.resting.append([order_id, side, price, rest, owner, self.seq])
        return fills

    def submit_market(self, order_id: int, side: str, qty: int, owner: Hashable) -> list:
        return self._match(order_id, side, float("inf") if side == "buy" else 0, qty, owner)[0]

    def cancel(self, order_id: int) -> bool:
        before = len(self.resting)
        self.resting = [o for o in self.resting if o[0] != order_id]
        return len(self.resting) < before

    def depth(self, side: str) -> list[tuple[int, int]]:
        totals: dict[int, int] = {}
        for o in self.resting:
            if o[1] == side:
                totals[o[2]] = totals.get(o[2], 0) + o[3]
        return sorted(totals.items(), reverse=side == "buy")

    def live_ids(self) -> set[int]:
        return {o[0] for o in self.resting}


class DequeReference:
    """An independent, simple book fast enough for 100k-event streams (pure Python).

    Per side a dict price -> deque of [order_id, qty, owner] in arrival order; a dict order id
    -> (side, price). Best prices are max/min over the non-empty price keys. Duplicate live ids
    raise ValueError, as the real book does.
    """

    def __init__(self) -> None:
        self.levels: dict[str, dict[int, deque]] = {"buy": {}, "sell": {}}
        self.where: dict[int, tuple[str, int]] = {}

    def _match(self, order_id: int, side: str, limit: float, qty: int, owner: Hashable) -> tuple:
        book = self.levels["sell" if side == "buy" else "buy"]
        fills = []
        while qty > 0 and book:
            price = min(book) if side == "buy" else max(book)
            if (side == "buy" and price > limit) or (side == "sell" and price < limit):
                break
            queue = book[price]
            while qty > 0 and queue:
                maker = queue[0]
                traded = min(qty, maker[1])
                fills.append((maker[0], order_id, price, traded, maker[2], owner, side))
                maker[1] -= traded
                qty -= traded
                if maker[1] == 0:
                    queue.popleft()
                    del self.where[maker[0]]
            if not queue:
                del book[price]
        return fills, qty

    def submit_limit(self, order_id: int, side: str, price: int, qty: int, owner: Hashable) -> list:
        if order_id in self.where:
            raise ValueError(f"order_id {order_id} is already live in the book")
        fills, rest = self._match(order_id, side, price, qty, owner)
        if rest:
            self.levels[side].setdefault(price, deque()).append([order_id, rest, owner])
            self.where[order_id] = (side, price)
        return fills

    def submit_market(self, order_id: int, side: str, qty: int, owner: Hashable) -> list:
        if order_id in self.where:
            raise ValueError(f"order_id {order_id} is already live in the book")
        return self._match(order_id, side, float("inf") if side == "buy" else 0, qty, owner)[0]

    def cancel(self, order_id: int) -> bool:
        if order_id not in self.where:
            return False
        side, price = self.where.pop(order_id)
        queue = self.levels[side][price]
        for i, o in enumerate(queue):
            if o[0] == order_id:
                del queue[i]
                break
        if not queue:
            del self.levels[side][price]
        return True

    def best_bid(self) -> int | None:
        return max(self.levels["buy"]) if self.levels["buy"] else None

    def best_ask(self) -> int | None:
        return min(self.levels["sell"]) if self.levels["sell"] else None

    def depth(self, side: str, n: int) -> list[tuple[int, int]]:
        prices = sorted(self.levels[side], reverse=side == "buy")[:n]
        return [(p, sum(o[1] for o in self.levels[side][p])) for p in prices]

    def live_ids(self) -> list[int]:
        return list(self.where)
