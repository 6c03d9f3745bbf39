"""Validation of a `submit_batch` event batch: one compiled pass before any event is applied."""

from __future__ import annotations

import numpy as np
from numba import njit

from market._nbtables import HCAP, HOFF, NIL, hget

MAX_QTY_PRICE = 1 << 48  # keeps level totals far from int64 overflow
MIN_ID = -(1 << 63)  # reserved as the engine's empty hash key
MIN_OWNER = -(1 << 62)  # int owners must be above; non-int owners are interned below
_I64 = np.dtype(np.int64)
_FIELDS = ("kinds", "order_ids", "sides", "prices", "qtys", "owners")
# problem code -> (column, what is wrong)
_PROBLEMS = {
    1: ("kinds", "must be 0 (limit), 1 (market) or 2 (cancel)"),
    2: ("sides", "must be +1 (buy) or -1 (sell)"),
    3: ("qtys", "must be in [1, 2**48)"),
    4: ("prices", "must be in [1, 2**48) for a limit order"),
    5: ("order_ids", "-2**63 is reserved"),
    6: ("owners", "must be > -2**62"),
    7: ("order_ids", "is submitted twice in the batch"),
    8: ("order_ids", "is already live in the book"),
}


@njit(cache=True)
def _first_problem(buf, kinds, ids, sides, prices, qtys, owners):  # type: ignore[no-untyped-def]
    """(problem code, event index) of the first bad event, or (0, -1) if the batch is valid."""
    hoff, mask = buf[HOFF], buf[HCAP] - 1
    ascending, last = True, MIN_ID
    for i in range(kinds.shape[0]):
        kind = kinds[i]
        if kind < 0 or kind > 2:
            return 1, i
        if ids[i] == MIN_ID:
            return 5, i
        if kind == 2:
            continue
        if sides[i] != 1 and sides[i] != -1:
            return 2, i
        if qtys[i] <= 0 or qtys[i] >= MAX_QTY_PRICE:
            return 3, i
        if kind == 0 and (prices[i] <= 0 or prices[i] >= MAX_QTY_PRICE):
            return 4, i
        if owners[i] <= MIN_OWNER:
            return 6, i
        if hget(buf, hoff, mask, ids[i]) != NIL:
            return 8, i
        ascending = ascending and ids[i] > last
        last = ids[i]
    if not ascending:  # ids not strictly increasing: look for a repeat
        seen = set()
        for i in range(kinds.shape[0]):
            if kinds[i] != 2:
                if ids[i] in seen:
                    return 7, i
                seen.add(ids[i])
    return 0, -1


def validate_batch(buf: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Check every event of a batch against the book in `buf`; return C-contiguous int64 columns."""
    arrays = []
    for name, col in zip(_FIELDS, columns, strict=True):
        if type(col) is np.ndarray and col.dtype is _I64 and col.ndim == 1:  # the fast, usual case
            arrays.append(np.ascontiguousarray(col))
            continue
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
    code, i = _first_problem(buf, *arrays)
    if code:
        name, why = _PROBLEMS[code]
        value = int(arrays[_FIELDS.index(name)][i])
        raise ValueError(f"{name}[{i}] = {value}: {why}")
    return arrays
