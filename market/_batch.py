"""Validation of a `submit_batch` event batch, done with numpy before any event is applied."""

from __future__ import annotations

import numpy as np

from market.orders import KIND_CANCEL, KIND_LIMIT

MAX_QTY_PRICE = 1 << 48  # keeps level totals far from int64 overflow
MIN_ID = -(1 << 63)  # reserved as the engine's empty hash key
MIN_OWNER = -(1 << 62)  # int owners must be above; non-int owners are interned below
_FIELDS = ("kinds", "order_ids", "sides", "prices", "qtys", "owners")


def _first_bad(name: str, mask: np.ndarray, values: np.ndarray, why: str) -> None:
    """Raise a ValueError naming the first event where `mask` is set."""
    bad = np.flatnonzero(mask)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = {values[i]!r}: {why}")


def validate_batch(live_ids: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Check every event of a batch before any is applied; return C-contiguous int64 columns."""
    arrays = []
    for name, col in zip(_FIELDS, columns, strict=True):
        arr = np.asarray(col)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(
                f"{name} must be a 1-D integer array, got {arr.dtype} of shape {arr.shape}"
            )
        if arr.dtype.kind == "u" and arr.size and int(arr.max()) >= 1 << 63:
            raise ValueError(f"{name} must fit in int64, got {int(arr.max())}")
        arrays.append(np.ascontiguousarray(arr, dtype=np.int64))
    n = arrays[0].shape[0]
    for name, arr in zip(_FIELDS, arrays, strict=True):
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} events, kinds has {n}")
    kinds, ids, sides, prices, qtys, owners = arrays
    _first_bad("kinds", (kinds < KIND_LIMIT) | (kinds > KIND_CANCEL), kinds, "must be 0, 1 or 2")
    submit = kinds != KIND_CANCEL
    _first_bad("sides", submit & (sides != 1) & (sides != -1), sides, "must be +1 or -1")
    bad_qty = submit & ((qtys <= 0) | (qtys >= MAX_QTY_PRICE))
    _first_bad("qtys", bad_qty, qtys, "must be in [1, 2**48)")
    limits = kinds == KIND_LIMIT
    bad_price = limits & ((prices <= 0) | (prices >= MAX_QTY_PRICE))
    _first_bad("prices", bad_price, prices, "must be in [1, 2**48)")
    _first_bad("order_ids", ids == MIN_ID, ids, "-2**63 is reserved")
    _first_bad("owners", submit & (owners <= MIN_OWNER), owners, "must be > -2**62")
    new_ids = ids[submit]
    if new_ids.size > 1 and not bool(np.all(new_ids[1:] > new_ids[:-1])):
        ordered = np.sort(new_ids)
        dup = ordered[1:][ordered[1:] == ordered[:-1]]
        if dup.size:
            raise ValueError(f"order_ids: id {int(dup[0])} is submitted twice in the batch")
    if live_ids.size and new_ids.size:
        if int(live_ids.max()) >= int(new_ids.min()) and int(live_ids.min()) <= int(new_ids.max()):
            clash = new_ids[np.isin(new_ids, live_ids)]
            if clash.size:
                raise ValueError(f"order_ids: id {int(clash[0])} is already live in the book")
    return arrays
