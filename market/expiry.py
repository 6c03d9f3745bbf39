"""Expiry of resting limit orders: ids queued by the step at which the simulator cancels them."""

from __future__ import annotations

import numpy as np
from numba import njit

from market.orders import KIND_LIMIT

_NO_IDS = np.zeros(0, dtype=np.int64)


class ExpiryQueue:
    """Order ids due for cancellation, keyed by step; a few distinct lifetimes are expected."""

    def __init__(self, lifetimes: list[int]) -> None:
        self.lifetimes = np.array(sorted(set(lifetimes)), dtype=np.int64)
        self._due: dict[int, list[np.ndarray]] = {}

    def push(self, kinds: np.ndarray, lifetimes: np.ndarray, ids: np.ndarray, step: int) -> None:
        """Queue the limit orders among `ids` to expire `lifetime` steps after `step`."""
        buf, counts = _group_by_lifetime(kinds, lifetimes, ids, self.lifetimes)
        for j, lifetime in enumerate(self.lifetimes.tolist()):
            if counts[j]:
                self._due.setdefault(step + lifetime, []).append(buf[j, : counts[j]])

    def pop(self, step: int) -> np.ndarray:
        """Ids that expire at `step` (removed from the queue)."""
        due = self._due.pop(step, None)
        if not due:
            return _NO_IDS
        return due[0] if len(due) == 1 else np.concatenate(due)


@njit(cache=True)
def _group_by_lifetime(
    kinds: np.ndarray, lifetimes: np.ndarray, ids: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    buf = np.empty((known.shape[0], ids.shape[0]), dtype=np.int64)
    counts = np.zeros(known.shape[0], dtype=np.int64)
    for i in range(ids.shape[0]):
        if kinds[i] != KIND_LIMIT:
            continue
        for j in range(known.shape[0]):
            if lifetimes[i] == known[j]:
                buf[j, counts[j]] = ids[i]
                counts[j] += 1
                break
    return buf, counts
