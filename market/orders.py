"""Order-book value types: an order `Side`, one `Fill`, and a `FillBatch` of fills as arrays."""

from __future__ import annotations

from collections.abc import Hashable
from enum import StrEnum
from typing import NamedTuple, TypeAlias

import numpy as np

__all__ = [
    "BUY", "KIND_CANCEL", "KIND_LIMIT", "KIND_MARKET", "SELL",
    "Fill", "FillBatch", "IntLike", "Side",
]

IntLike: TypeAlias = int | np.integer  # ids, prices and quantities: Python or numpy ints

# Integer codes used by the batch path (`OrderBook.submit_batch`).
BUY = 1
SELL = -1
KIND_LIMIT = 0
KIND_MARKET = 1
KIND_CANCEL = 2


class Side(StrEnum):
    """Side of an order; equal to (and hashing like) the strings "buy" and "sell"."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for buy, -1 for sell: the code the batch path and the fill arrays use."""
        return BUY if self is Side.BUY else SELL

    @property
    def opposite(self) -> Side:
        """The side an order of this side trades against."""
        return Side.SELL if self is Side.BUY else Side.BUY


class Fill(NamedTuple):
    """One trade between a resting (maker) and an incoming (taker) order, at the maker's price."""

    maker_id: int
    taker_id: int
    price: int
    qty: int
    maker_owner: Hashable
    taker_owner: Hashable
    taker_side: Side


_I64 = np.int64
_FILL_COLUMNS = ("maker_id", "taker_id", "price", "qty", "maker_owner", "taker_owner",
                 "taker_side", "event")


class FillBatch:
    """Fills of one `submit_batch` call as parallel arrays, in the order they happened.

    Columns (attributes): maker_id, taker_id, price, qty, maker_owner, taker_owner, taker_side
    (+1 buy / -1 sell) and event (index in the submitted batch of the taker event). All are int64
    views of one (n, 8) table, except an owner column that holds a non-int owner from the
    per-call API: that one is an object array.
    """

    __slots__ = ("_owners", "rows")

    def __init__(self, rows: np.ndarray, owners: dict[int, np.ndarray] | None = None) -> None:
        self.rows = rows  # (n, 8) int64, columns in _FILL_COLUMNS order
        self._owners = owners or {}

    def _col(self, j: int) -> np.ndarray:
        return self._owners.get(j, self.rows[:, j])

    maker_id = property(lambda self: self.rows[:, 0], doc="resting order ids")
    taker_id = property(lambda self: self.rows[:, 1], doc="incoming order ids")
    price = property(lambda self: self.rows[:, 2], doc="trade prices (the makers' prices)")
    qty = property(lambda self: self.rows[:, 3], doc="traded quantities")
    maker_owner = property(lambda self: self._col(4), doc="owners of the resting orders")
    taker_owner = property(lambda self: self._col(5), doc="owners of the incoming orders")
    taker_side = property(lambda self: self.rows[:, 6], doc="+1 buy / -1 sell")
    event = property(lambda self: self.rows[:, 7], doc="batch index of the taker event")

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def __repr__(self) -> str:
        return f"FillBatch({len(self)} fills)"

    @classmethod
    def empty(cls) -> FillBatch:
        """A batch with no fills."""
        return cls(np.zeros((0, 8), dtype=_I64))

    def column(self, name: str) -> np.ndarray:
        """One column by name (see the class docstring)."""
        return self._col(_FILL_COLUMNS.index(name))

    def to_fills(self) -> list[Fill]:
        """The same fills as `Fill` tuples (what the per-call API returns)."""
        sides = [Side.BUY if s > 0 else Side.SELL for s in self.taker_side.tolist()]
        return [
            Fill(*row)
            for row in zip(
                self.maker_id.tolist(),
                self.taker_id.tolist(),
                self.price.tolist(),
                self.qty.tolist(),
                self.maker_owner.tolist(),
                self.taker_owner.tolist(),
                sides,
                strict=True,
            )
        ]
