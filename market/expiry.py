"""Expiry of resting limit orders: ids queued by the step at which the simulator cancels them.

A ring of `max lifetime + 1` slots, one per due step (slot = due step mod ring size), each a row
of ids in the order they were queued; a limit order sent at step s with lifetime L is cancelled
at the start of step s + L. Orders whose lifetime is not one of the known lifetimes never
expire. The compiled step (market/_step.py) calls `expiry_pop` / `expiry_push` directly;
`ExpiryQueue` is the same ring with a Python face (tests, tools).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from market.orders import KIND_LIMIT


@njit(cache=True)
def expiry_pop(ring: np.ndarray, counts: np.ndarray, step: int, out: np.ndarray, k: int) -> int:
    """Move the ids due at `step` to out[k:] (oldest first); return the new end index."""
    slot = step % ring.shape[0]
    n = counts[slot]
    for i in range(n):
        out[k + i] = ring[slot, i]
    counts[slot] = 0
    return k + n


@njit(cache=True)
def expiry_push(
    ring: np.ndarray, counts: np.ndarray, known: np.ndarray, kinds: np.ndarray,
    lifetimes: np.ndarray, ids: np.ndarray, start: int, end: int, step: int,
) -> None:  # fmt: skip
    """Queue the limit orders among kinds/lifetimes/ids[start:end], shortest lifetime first."""
    size = ring.shape[0]
    for j in range(known.shape[0]):
        life = known[j]
        slot = (step + life) % size
        for i in range(start, end):
            if kinds[i] == KIND_LIMIT and lifetimes[i] == life:
                ring[slot, counts[slot]] = ids[i]
                counts[slot] += 1


class ExpiryQueue:
    """Order ids due for cancellation, keyed by step; a few distinct lifetimes are expected."""

    def __init__(self, lifetimes: list[int], capacity: int = 64) -> None:
        self.lifetimes = np.array(sorted(set(lifetimes)), dtype=np.int64)
        if self.lifetimes.size == 0 or self.lifetimes[0] < 1:
            raise ValueError(f"lifetimes={lifetimes!r}: need at least one, each >= 1")
        self.ring = np.zeros((int(self.lifetimes[-1]) + 1, max(capacity, 1)), dtype=np.int64)
        self.counts = np.zeros(self.ring.shape[0], dtype=np.int64)

    def ensure(self, per_step: int) -> None:
        """Make room for `per_step` new orders every step (ids already queued are kept)."""
        need = per_step * self.lifetimes.size
        if need > self.ring.shape[1]:
            wider = np.zeros((self.ring.shape[0], max(need, 2 * self.ring.shape[1])), np.int64)
            wider[:, : self.ring.shape[1]] = self.ring
            self.ring = wider

    def push(self, kinds: np.ndarray, lifetimes: np.ndarray, ids: np.ndarray, step: int) -> None:
        """Queue the limit orders among `ids` to expire `lifetime` steps after `step`."""
        kinds, lifetimes, ids = (np.asarray(a, dtype=np.int64) for a in (kinds, lifetimes, ids))
        self.ensure(int(ids.shape[0]))
        expiry_push(self.ring, self.counts, self.lifetimes, kinds, lifetimes, ids, 0, ids.shape[0],
                    step)  # fmt: skip

    def pop(self, step: int) -> np.ndarray:
        """Ids that expire at `step` (removed from the queue)."""
        out = np.empty(int(self.counts[step % self.ring.shape[0]]), dtype=np.int64)
        expiry_pop(self.ring, self.counts, step, out, 0)
        return out
