"""What every background trader group sees and returns: a `MarketView` in, orders out.

A group holds every trader of one strategy as parallel arrays; one step is one draw of a FIXED
number of variates (common random numbers across scenarios) and one numba-compiled kernel that
writes the orders into a shared int64 buffer (rows KIND..LIFETIME), with no per-order Python
objects. The simulator's fused step calls every group's kernel inside one compiled call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

# Rows of an order block (int64, shape (N_ROWS, k)); kinds and sides use market.orders codes.
KIND, SIDE, PRICE, QTY, OWNER, LIFETIME = range(6)
N_ROWS = 6
GOLDEN = 0.6180339887498949
# Entries of the float64 market-view vector the compiled step passes to every group's kernel.
MV_STEP, MV_MID, MV_FUNDAMENTAL, MV_VOL, MV_POS, MV_EMA, MV_NEWS, MV_NOISE_SCALE, MV_OUT = range(9)
MV_SIZE = 9
# Kinds of variates in a group's per-step draw layout.
UNIFORM, NORMAL = 0, 1


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

    def vector(self) -> np.ndarray:
        """The view as the float64 vector (MV_* entries) the compiled kernels read."""
        mv = np.zeros(MV_SIZE)
        mv[MV_STEP], mv[MV_MID], mv[MV_FUNDAMENTAL] = self.step, self.mid, self.fundamental
        mv[MV_VOL], mv[MV_POS], mv[MV_EMA] = self.vol_ticks, self.history_pos, self.mid_ema
        mv[MV_NEWS], mv[MV_NOISE_SCALE] = self.news_ticks, self.noise_scale
        mv[MV_OUT] = float(self.makers_out)
        return mv


class TraderGroup:
    """All traders of one strategy as parallel arrays, with the bookkeeping every group shares.

    A concrete group names its `kind`, its per-trader overridable `PARAMS` (name -> allowed
    range; each becomes a row of `table`), how many orders a trader may send per step, its
    per-step draw layout, and `kernel`: a compiled function with the uniform signature
    ``kernel(u, table, owners, active, cfgv, gstate, mv, shares, history, out, k) -> k`` that
    writes this step's orders into out[:, k:] from this step's variates `u` (one flat row).
    The fused simulator step and `decide` (the per-group path the tests use) call the same
    kernel, so both give the same orders for the same variates.
    """

    kind: ClassVar[str]
    PARAMS: ClassVar[dict[str, tuple[float, float]]]
    ORDERS_PER_TRADER: ClassVar[int] = 1
    kernel: ClassVar[Any]

    def __init__(self, cfg: Any, owners: np.ndarray) -> None:
        self.cfg = cfg
        self.owners = np.asarray(owners, dtype=np.int64)
        n = self.owners.shape[0]
        self.active = np.ones(n, dtype=bool)
        index = np.arange(n)
        rows = [self.default(name, index) for name in self.PARAMS]
        self.table = np.array(rows, dtype=np.float64).reshape(len(self.PARAMS), n)
        self.cfgv = np.asarray(self.config_vector(), dtype=np.float64)
        self.gstate = np.asarray(self.initial_state(), dtype=np.float64)

    # -------------------------------------------------------- per-strategy hooks
    def default(self, name: str, index: np.ndarray) -> np.ndarray:
        """Default values of per-trader parameter `name` for traders at positions `index`."""
        raise NotImplementedError

    def config_vector(self) -> list[float]:
        """The group's config scalars in the order its kernel reads them."""
        raise NotImplementedError

    def initial_state(self) -> list[float]:
        """The group's mutable state shared by its traders (kept across steps)."""
        return [0.0]

    def draw_layout(self) -> list[tuple[int, int]]:
        """(UNIFORM | NORMAL, count) segments drawn every step, whatever the market does."""
        raise NotImplementedError

    # -------------------------------------------------------- shared bookkeeping
    def column(self, name: str) -> np.ndarray:
        """Per-trader values of parameter `name` (a view into `table`)."""
        return self.table[list(self.PARAMS).index(name)]

    @property
    def capacity(self) -> int:
        """Most orders the group can send in one step."""
        return int(self.owners.shape[0]) * self.ORDERS_PER_TRADER

    @property
    def n_draws(self) -> int:
        """Variates drawn per step."""
        return sum(count for _, count in self.draw_layout())

    def add(self, owner: int, params: dict[str, Any] | None = None) -> None:
        """Append one trader (owner id) with optional per-trader parameter overrides."""
        p = check_params(self.kind, params, self.PARAMS)
        index = np.array([self.owners.shape[0]])
        col = [float(p.get(name, self.default(name, index)[0])) for name in self.PARAMS]
        self.owners = np.append(self.owners, owner)
        self.active = np.append(self.active, True)
        self.table = np.concatenate((self.table, np.array(col).reshape(-1, 1)), axis=1)

    def decide(
        self,
        view: MarketView,
        rng: np.random.Generator,
        shares: np.ndarray,
        out: np.ndarray,
        k: int,
    ) -> int:
        """Write this step's orders into out[:, k:] (N_ROWS rows) and return the new end index.

        Draws the group's fixed layout of variates from `rng` whatever the market state.
        """
        u = np.concatenate([_draw(rng, kind, count) for kind, count in self.draw_layout()])
        return self.kernel(
            u, self.table, self.owners, self.active, self.cfgv, self.gstate, view.vector(),
            shares, view.log_mid_history, out, k,
        )  # type: ignore[no-any-return]  # fmt: skip


def _draw(rng: np.random.Generator, kind: int, count: int) -> np.ndarray:
    return rng.random(count) if kind == UNIFORM else rng.standard_normal(count)


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
