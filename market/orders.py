"""Order-book value types: an order `Side`, one `Fill`, and a `FillBatch` of fills as arrays."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, TypeAlias

import numpy as np

__all__ = ["BUY", "SELL", "Fill", "FillBatch", "IntLike", "Side"]

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


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=_I64)


@dataclass(frozen=True)
class FillBatch:
    """Fills of one `submit_batch` call as parallel int64 arrays, in the order they happened.

    `event` is the index (in the submitted batch) of the taker event that produced each fill;
    `taker_side` is +1 (buy) / -1 (sell). Owners are int64 unless a non-int owner from the
    per-call API took part, in which case the owner arrays have dtype object.
    """

    maker_id: np.ndarray
    taker_id: np.ndarray
    price: np.ndarray
    qty: np.ndarray
    maker_owner: np.ndarray
    taker_owner: np.ndarray
    taker_side: np.ndarray
    event: np.ndarray

    def __len__(self) -> int:
        return int(self.qty.shape[0])

    @classmethod
    def empty(cls) -> FillBatch:
        """A batch with no fills."""
        return cls(*(_empty() for _ in range(8)))

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
