"""Per-step variates of every random stream, drawn ahead in blocks of steps by compiled code.

Every stream (the fundamental, each trader group, the arrival order) draws a FIXED layout of
uniforms and normals per step, so its variates can be drawn for many steps at once: one row of
`block` per step, the streams side by side in columns. The numbers are exactly those the
per-step draws would give (numba's `Generator.random`/`standard_normal` are NumPy's). Drawing in
blocks pays the cost of handing a Generator to compiled code (~13 us) once per block instead
of once per step. When a layout changes (a trader joins), `rewind` puts every generator back
where per-step drawing would have left it, and the next block uses the new layouts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit

from market.agents.base import UNIFORM

BLOCK_VALUES = 1 << 18  # about 2 MB of variates per block
MAX_BLOCK_STEPS = 256


@njit(cache=True)
def _fill(gen: Any, kinds: np.ndarray, counts: np.ndarray, block: np.ndarray, col: int) -> None:
    """Draw the layout (kinds, counts) once per row of `block`, into columns col.. ."""
    for t in range(block.shape[0]):
        j = col
        for s in range(kinds.shape[0]):
            if kinds[s] == UNIFORM:
                for _ in range(counts[s]):
                    block[t, j] = gen.random()
                    j += 1
            else:
                for _ in range(counts[s]):
                    block[t, j] = gen.standard_normal()
                    j += 1


class DrawBlocks:
    """Variates of several streams for the next steps: `row()` gives this step's row."""

    def __init__(self, rngs: Sequence[np.random.Generator], layouts: Sequence[list]) -> None:
        self.rngs = list(rngs)
        self.set_layouts(layouts)
        self.block = np.zeros((0, self.width))
        self.t = 0  # next unread row
        self._saved: list[Any] = []

    def set_layouts(self, layouts: Sequence[list]) -> None:
        """Use new per-step layouts from the next block on (call `rewind` first)."""
        self.layouts = [
            (np.array([k for k, _ in lay], np.int64), np.array([c for _, c in lay], np.int64))
            for lay in layouts
        ]
        self.widths = [int(c.sum()) for _, c in self.layouts]
        self.offsets = np.cumsum([0, *self.widths])[:-1].tolist()
        self.width = int(sum(self.widths))
        self.steps = int(min(MAX_BLOCK_STEPS, max(1, BLOCK_VALUES // max(self.width, 1))))

    def refill(self) -> None:
        """Draw the next block (the generators' states at its start are kept for `rewind`)."""
        self._saved = [rng.bit_generator.state for rng in self.rngs]
        if self.block.shape != (self.steps, self.width):
            self.block = np.empty((self.steps, self.width))
        for rng, (kinds, counts), off in zip(self.rngs, self.layouts, self.offsets, strict=True):
            _fill(rng, kinds, counts, self.block, off)
        self.t = 0

    def rewind(self) -> None:
        """Leave every generator where drawing only the rows already used would have."""
        if not self._saved:
            return
        used = self.t
        for rng, state, (kinds, counts) in zip(self.rngs, self._saved, self.layouts, strict=True):
            rng.bit_generator.state = state
            if used:
                _fill(rng, kinds, counts, np.empty((used, int(counts.sum()))), 0)
        self._saved = []
        self.block = np.zeros((0, self.width))
        self.t = 0
