"""What every background trader group sees and returns: a `MarketView` in, orders out.

A group holds every trader of one strategy as parallel arrays; one step is one vectorised draw
of a FIXED number of variates (common random numbers across scenarios) and one numba-compiled
kernel that writes the orders into a shared int64 buffer (rows KIND..LIFETIME), with no
per-order Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

# Rows of an order block (int64, shape (N_ROWS, k)); kinds and sides use market.orders codes.
KIND, SIDE, PRICE, QTY, OWNER, LIFETIME = range(6)
N_ROWS = 6
GOLDEN = 0.6180339887498949


@dataclass
class MarketView:
    """The market state background traders decide on (all prices in ticks)."""

    step: int
    mid: float
    fundamental: float
    vol_ticks: float
    log_mid_history: np.ndarray
    history_pos: int
    mid_ema: float = 0.0
    news_ticks: float = 0.0
    noise_scale: float = 1.0
    makers_out: bool = False


class TraderGroup(Protocol):
    """All traders of one strategy, deciding in one compiled kernel per step."""

    kind: str
    owners: np.ndarray
    active: np.ndarray

    @property
    def capacity(self) -> int:
        """Most orders the group can send in one step."""
        ...

    def decide(
        self,
        view: MarketView,
        rng: np.random.Generator,
        shares: np.ndarray,
        out: np.ndarray,
        k: int,
    ) -> int:
        """Write this step's orders into out[:, k:] (N_ROWS rows) and return the new end index.

        Draws a fixed number of variates from `rng` whatever the market state.
        """
        ...

    def add(self, owner: int, params: dict[str, Any] | None = None) -> None:
        """Append one trader (owner id) with optional per-trader parameter overrides."""
        ...


def new_block(capacity: int) -> np.ndarray:
    """An empty (N_ROWS, capacity) int64 order buffer."""
    return np.empty((N_ROWS, capacity), dtype=np.int64)


def spread_param(i: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Deterministic heterogeneous parameters in [lo, hi] (golden-ratio sequence, no RNG)."""
    return lo + (hi - lo) * np.mod(np.asarray(i, dtype=np.float64) * GOLDEN + 0.5, 1.0)


def check_params(
    kind: str, params: dict[str, Any] | None, allowed: dict[str, tuple[float, float]]
) -> dict:
    """Validate per-trader overrides: known names, numbers inside [low, high]; ValueError otherwise.

    Checked when the trader is added, so a bad value never reaches the book mid-run.
    """
    params = dict(params or {})
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"params={unknown!r}: unknown for {kind}; allowed {list(allowed)}")
    for k, v in params.items():
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise ValueError(f"params.{k}={v!r}: must be a number")
        low, high = allowed[k]
        if not low <= v <= high:
            raise ValueError(f"params.{k}={v!r}: must be in [{low}, {high}] for {kind}")
    return params
