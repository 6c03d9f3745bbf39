"""Limit order book for one instrument: integer tick prices, price-time priority, IOC market orders.

`OrderBook` is a thin Python front over a compiled engine (market/_fastbook.py, numba) that keeps
the whole book in one int64 buffer; the per-call API and `submit_batch` drive the same buffer, so
callers can mix them freely. Owners may be any hashable: ints in (-2**62, 2**63) are stored as
they are, anything else is interned to a reserved code and translated back in fills.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Hashable

import numpy as np

from market import _fastbook as fb
from market import _nbtables as tb
from market._batch import MAX_QTY_PRICE, MIN_ID, MIN_OWNER, validate_batch
from market.orders import Fill, FillBatch, IntLike, Side

__all__ = ["Fill", "FillBatch", "IntLike", "OrderBook", "Side"]

_SIGN: dict[object, int] = {"buy": 1, "sell": -1}  # Side members hash and compare like these
_SIDE_OF = {1: Side.BUY, -1: Side.SELL}
_MAX_ID = 1 << 63
_k_limit = fb.entry(fb.k_limit)
_k_market = fb.entry(fb.k_market)
_k_cancel = fb.entry(fb.k_cancel)
_tnew = tuple.__new__
# maker_id, taker_id, price, qty, maker_owner: the first five int64 words of a fill row
_unpack_fill = struct.Struct("@5q").unpack_from
assert (tb.F_MAKER_ID, tb.F_TAKER_ID, tb.F_PRICE, tb.F_QTY, tb.F_MAKER_OWNER) == (0, 1, 2, 3, 4)


def _as_int(name: str, value: object) -> int:
    """Return `value` as an int if it is an integer (numpy ints too), else raise naming it."""
    if isinstance(value, bool | float) or not hasattr(value, "__index__"):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    return operator.index(value)  # type: ignore[call-overload, no-any-return]


def _parse_side(side: object) -> int:
    """Return +1 for a buy side and -1 for a sell side, or raise naming the bad value."""
    try:
        return _SIGN[side]
    except (KeyError, TypeError):
        raise ValueError(f"side must be 'buy' or 'sell', got {side!r}") from None


def _checked(order_id: object, side: object, price: object, qty: object) -> tuple[int, ...]:
    """Validate one order (slow path); return normalised (order_id, sign, price, qty)."""
    sign = _parse_side(side)
    oid = _as_int("order_id", order_id)
    price_i, qty_i = _as_int("price", price), _as_int("qty", qty)
    for name, value, unit in (("price", price_i, "ticks"), ("qty", qty_i, "shares")):
        if value <= 0:
            raise ValueError(f"{name} must be > 0 {unit}, got {value}")
        if value >= MAX_QTY_PRICE:
            raise ValueError(f"{name} must be < 2**48 {unit}, got {value}")
    if not MIN_ID < oid < _MAX_ID:
        raise ValueError(f"order_id must fit in a signed 64-bit int (not -2**63), got {oid}")
    return oid, sign, price_i, qty_i


class OrderBook:
    """Continuous double auction with price-time priority (FIFO within a level) and partial fills.

    Prices are positive integer ticks, quantities positive integer shares. Bad input raises
    `ValueError` naming the field and leaves the book unchanged; nothing is ever dropped silently
    except the unfilled rest of a market order, which is immediate-or-cancel by definition.
    """

    def __init__(self, capacity: int = 1024) -> None:
        capacity = max(16, _as_int("capacity", capacity))  # initial room; tables grow on demand
        self._buf = tb.alloc(capacity, 256, 64, capacity)
        self._mv = memoryview(self._buf)  # reads Python ints from the buffer without numpy scalars
        self._foff = int(self._buf[tb.FOFF])
        self._codes: dict[Hashable, int] = {}
        self._names: list[Hashable] = []

    # ------------------------------------------------------------------ orders
    def submit_limit(
        self, order_id: IntLike, side: Side | str, price: IntLike, qty: IntLike, owner: Hashable
    ) -> list[Fill]:
        """Match against the opposite side up to `price`, rest what is left; return the fills."""
        # Fast path: exact ints go straight to the compiled entry point, which range-checks them
        # (BAD, nothing changed); anything else, or a refusal, takes the checked path below.
        try:
            sign = _SIGN[side]
            if (
                type(order_id) is int is type(price) is type(qty) is type(owner)
                and owner > MIN_OWNER
            ):
                n = _k_limit(self._buf, order_id, sign, price, qty, owner)
                if n > 0:
                    return self._fills(n, owner, sign)
                if n == 0:
                    return []
        except (KeyError, TypeError, OverflowError):
            pass
        order_id, sign, price, qty = _checked(order_id, side, price, qty)
        return self._slow(order_id, sign, price, qty, owner)

    def submit_market(
        self, order_id: IntLike, side: Side | str, qty: IntLike, owner: Hashable
    ) -> list[Fill]:
        """Sweep the opposite side best price first; the unfilled rest is dropped (IOC)."""
        try:
            sign = _SIGN[side]
            if type(order_id) is int is type(qty) is type(owner) and owner > MIN_OWNER:
                n = _k_market(self._buf, order_id, sign, qty, owner)
                if n > 0:
                    return self._fills(n, owner, sign)
                if n == 0:
                    return []
        except (KeyError, TypeError, OverflowError):
            pass
        order_id, sign, _, qty = _checked(order_id, side, 1, qty)
        return self._slow(order_id, sign, 0, qty, owner)

    def cancel(self, order_id: IntLike) -> bool:
        """Remove a resting order; True if it was live, False if unknown, filled or cancelled."""
        if type(order_id) is not int:
            order_id = _as_int("order_id", order_id)
        try:
            return _k_cancel(self._buf, order_id)  # type: ignore[no-any-return]
        except OverflowError:  # outside int64: never an id in the book
            return False

    def cancel_all(self, owner: Hashable) -> int:
        """Cancel every live order of `owner`; return how many were cancelled."""
        ids = self.live_orders(owner)
        for order_id in ids:
            self.cancel(order_id)
        return len(ids)

    def submit_batch(
        self,
        kinds: np.ndarray,
        order_ids: np.ndarray,
        sides: np.ndarray,
        prices: np.ndarray,
        qtys: np.ndarray,
        owners: np.ndarray,
    ) -> FillBatch:
        """Apply events (kind 0 limit, 1 market, 2 cancel; side +1/-1) in order on this same book.

        The whole batch is validated first, so a bad event raises `ValueError` (naming its index)
        before anything changes. Prices of market and cancel events and sides/qtys/owners of cancel
        events are ignored. Ids submitted in a batch must be unique and not live in the book.
        """
        cols = validate_batch(self._buf, kinds, order_ids, sides, prices, qtys, owners)
        n, done = cols[0].shape[0], 0
        self._buf[tb.NFILLS] = 0
        while True:
            done = fb.k_batch(self._buf, *cols, done)  # type: ignore[call-arg]
            if done == n:
                break
            self._make_room()
        return self._fill_batch(int(self._buf[tb.NFILLS]))

    # ----------------------------------------------------------------- queries
    def best_bid(self) -> int | None:
        """Highest price with resting buy quantity, or None."""
        return self._mv[tb.BEST_BID] or None  # type: ignore[no-any-return]

    def best_ask(self) -> int | None:
        """Lowest price with resting sell quantity, or None."""
        return self._mv[tb.BEST_ASK] or None  # type: ignore[no-any-return]

    def mid(self) -> float | None:
        """Midpoint of best bid and best ask in ticks, or None if either side is empty."""
        bid, ask = self._mv[tb.BEST_BID], self._mv[tb.BEST_ASK]
        return (bid + ask) / 2 if bid and ask else None

    def depth(self, side: Side | str, levels: int = 5) -> list[tuple[int, int]]:
        """Up to `levels` (price, total resting qty) pairs of one side, best level first."""
        return [(p, q) for p, q in self._depth_rows(side, levels).tolist()]

    def total_depth(self, side: Side | str, levels: int = 5) -> int:
        """Total resting quantity on the best `levels` levels of one side."""
        return int(self._depth_rows(side, levels)[:, 1].sum())

    def _depth_rows(self, side: Side | str, levels: int) -> np.ndarray:
        """(price, qty) rows of one side's best `levels` levels, validated arguments."""
        sign = _parse_side(side)
        levels = _as_int("levels", levels)
        if levels < 0:
            raise ValueError(f"levels must be >= 0, got {levels}")
        return fb.k_depth(self._buf, sign, min(levels, 1 << 62))  # type: ignore[no-any-return]

    def owner_of(self, order_id: IntLike) -> Hashable | None:
        """Owner of a live order, or None if the order is not resting."""
        found = self.order(order_id)
        return None if found is None else found[3]

    def order(self, order_id: IntLike) -> tuple[Side, int, int, Hashable] | None:
        """(side, price, remaining qty, owner) of a live order, or None."""
        oid = _as_int("order_id", order_id)
        if not MIN_ID < oid < _MAX_ID:
            return None
        sign, price, qty, code = fb.k_order(self._buf, oid).tolist()
        return (_SIDE_OF[sign], price, qty, self._owner(code)) if sign else None

    def live_orders(self, owner: Hashable) -> list[int]:
        """Ids of the live orders of `owner`, oldest first."""
        if type(owner) is int and MIN_OWNER < owner < _MAX_ID:
            code = owner
        else:
            code = self._code(owner, create=False)
        return fb.k_owner_orders(self._buf, code).tolist()  # type: ignore[no-any-return]

    def __len__(self) -> int:
        """Number of live resting orders."""
        return self._mv[tb.NLIVE]  # type: ignore[no-any-return]

    def __contains__(self, order_id: object) -> bool:
        try:
            return self.order(order_id) is not None  # type: ignore[arg-type]
        except ValueError:
            return False

    def __getstate__(self) -> dict[str, object]:
        """Pickle/deepcopy support (the memoryview is rebuilt on load)."""
        return {k: v for k, v in self.__dict__.items() if k != "_mv"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._mv = memoryview(self._buf)

    # ---------------------------------------------------------------- internal
    def _code(self, owner: Hashable, create: bool = True) -> int:
        """Int code of an owner that is not a plain in-range int (interned on first use)."""
        if hasattr(owner, "__index__") and not isinstance(owner, bool):
            value = operator.index(owner)  # type: ignore[arg-type]
            if MIN_OWNER < value < _MAX_ID:
                return value  # type: ignore[no-any-return]  # numpy ints act as the same int
        try:
            code = self._codes.get(owner)
        except TypeError:
            raise ValueError(f"owner must be hashable, got {owner!r}") from None
        if code is None:
            if not create:
                return MIN_OWNER  # no order can have it
            code = self._codes[owner] = MIN_OWNER - 1 - len(self._names)
            self._names.append(owner)
        return code

    def _owner(self, code: int) -> Hashable:
        return code if code > MIN_OWNER else self._names[MIN_OWNER - 1 - code]

    def _slow(self, oid: int, sign: int, price: int, qty: int, owner: Hashable) -> list[Fill]:
        """Checked arguments: code the owner, grow when full, raise on a duplicate live id."""
        code = owner if type(owner) is int and MIN_OWNER < owner < _MAX_ID else self._code(owner)
        while True:
            if price:
                status = _k_limit(self._buf, oid, sign, price, qty, code)
            else:
                status = _k_market(self._buf, oid, sign, qty, code)
            if status != fb.NEED_ROOM:
                break
            self._make_room()
        if status == fb.DUPLICATE:
            raise ValueError(f"order_id {oid} is already live in the book")
        return self._fills(status, owner, sign) if status else []

    def reserve(self, orders: int) -> None:
        """Make room for `orders` more orders, levels, owners and their fills (see tables.fits)."""
        fb.purge(self._buf)
        if not tb.fits(self._buf, orders):
            self._buf = tb.grow_for(self._buf, orders)
            self._mv = memoryview(self._buf)
            self._foff = int(self._buf[tb.FOFF])

    def _make_room(self) -> None:
        """Free emptied levels, then grow the buffer if a table is still full."""
        fb.purge(self._buf)
        if not tb.has_room(self._buf):
            self._buf = tb.grow(self._buf)
            self._mv = memoryview(self._buf)
            self._foff = int(self._buf[tb.FOFF])

    def _fills(self, n: int, owner: Hashable, sign: int) -> list[Fill]:
        """The n fills the last per-call kernel wrote, as `Fill` tuples (one C unpack a fill)."""
        if n == 1 and not self._names:
            return [_tnew(Fill, _unpack_fill(self._mv, 8 * self._foff) + (owner, _SIDE_OF[sign]))]
        mv, start, tail = self._mv, 8 * self._foff, (owner, _SIDE_OF[sign])
        fills = [_tnew(Fill, _unpack_fill(mv, at) + tail)
                 for at in range(start, start + 8 * tb.FF * n, 8 * tb.FF)]
        if self._names:
            for i, fill in enumerate(fills):
                code: int = fill[4]  # type: ignore[assignment]  # still the kernel's int code
                if code <= MIN_OWNER:
                    fills[i] = fill._replace(maker_owner=self._owner(code))
        return fills

    def _fill_batch(self, n: int) -> FillBatch:
        """The n fills of the last batch (owner codes translated if any were interned)."""
        rows = self._buf[self._foff : self._foff + 8 * n].reshape(n, 8).copy()
        owners = {}
        if self._names:
            for j in (4, 5):
                if (rows[:, j] <= MIN_OWNER).any():
                    decoded = [self._owner(c) for c in rows[:, j].tolist()]
                    owners[j] = np.array(decoded, dtype=object)
        return FillBatch(rows, owners)
