"""The fused step's state arrays in one numba StructRef, so a step call unboxes one object.

Calling a compiled function from Python unboxes every array argument (~0.1-0.2 us each); the
fused step reads about 44 arrays, so a call with all of them as arguments cost several us of a
~15 us step. `make` packs them once whenever they change (the simulator's `_changed`), and
`step` runs `market._step.step_kernel` on the pack. Both are compiled once and cached; the field
types are fixed here (every array is C-contiguous), so the pack's type never depends on a run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from numba import njit, types
from numba.experimental import structref

from market._step import step_kernel

F1, I1 = types.float64[::1], types.int64[::1]
B1 = types.Array(types.boolean, 1, "C")
F2, I2 = types.float64[:, ::1], types.int64[:, ::1]
# step_kernel's array parameters after (buf, row, eff, record), in order
FIELDS = (
    ("fs", F1), ("ist", I1), ("prm", F1), ("hist", F1), ("mv", F1), ("cash", I1), ("shares", I1),
    ("offs", I1), ("mm_t", F2), ("mm_o", I1), ("mm_a", B1), ("mm_c", F1), ("mm_s", F1),
    ("nz_t", F2), ("nz_o", I1), ("nz_a", B1), ("nz_c", F1), ("nz_s", F1), ("fd_t", F2),
    ("fd_o", I1), ("fd_a", B1), ("fd_c", F1), ("fd_s", F1), ("mo_t", F2), ("mo_o", I1),
    ("mo_a", B1), ("mo_c", F1), ("mo_s", F1), ("rl_act", I1), ("rl_owner", I1), ("rl_size", I1),
    ("rl_max", I1), ("rl_value0", F1), ("rl_idx", I1), ("executed", I1), ("rl_pnl", F1),
    ("ring", I2), ("rcounts", I1), ("known", I1), ("out", I2), ("ids", I1), ("fills", I2),
    ("mrec", F2), ("arec", F2),
)


@structref.register
class StepArraysType(types.StructRef):
    """The numba type of `StepArrays`."""


class StepArrays(structref.StructRefProxy):
    """The pack of the step's arrays (opaque from Python; built by `make`)."""


structref.define_boxing(StepArraysType, StepArrays)
STEP_ARRAYS = StepArraysType(list(FIELDS))


@njit(cache=True)
def make(
    fs, ist, prm, hist, mv, cash, shares, offs, mm_t, mm_o, mm_a, mm_c, mm_s, nz_t,
    nz_o, nz_a, nz_c, nz_s, fd_t, fd_o, fd_a, fd_c, fd_s, mo_t, mo_o, mo_a, mo_c, mo_s, rl_act,
    rl_owner, rl_size, rl_max, rl_value0, rl_idx, executed, rl_pnl, ring, rcounts, known, out,
    ids, fills, mrec, arec
) -> Any:  # fmt: skip
    """Pack the arrays (the same objects: the step writes into them)."""
    s: Any = structref.new(STEP_ARRAYS)  # type: ignore[call-arg]  # an intrinsic
    s.fs = fs
    s.ist = ist
    s.prm = prm
    s.hist = hist
    s.mv = mv
    s.cash = cash
    s.shares = shares
    s.offs = offs
    s.mm_t = mm_t
    s.mm_o = mm_o
    s.mm_a = mm_a
    s.mm_c = mm_c
    s.mm_s = mm_s
    s.nz_t = nz_t
    s.nz_o = nz_o
    s.nz_a = nz_a
    s.nz_c = nz_c
    s.nz_s = nz_s
    s.fd_t = fd_t
    s.fd_o = fd_o
    s.fd_a = fd_a
    s.fd_c = fd_c
    s.fd_s = fd_s
    s.mo_t = mo_t
    s.mo_o = mo_o
    s.mo_a = mo_a
    s.mo_c = mo_c
    s.mo_s = mo_s
    s.rl_act = rl_act
    s.rl_owner = rl_owner
    s.rl_size = rl_size
    s.rl_max = rl_max
    s.rl_value0 = rl_value0
    s.rl_idx = rl_idx
    s.executed = executed
    s.rl_pnl = rl_pnl
    s.ring = ring
    s.rcounts = rcounts
    s.known = known
    s.out = out
    s.ids = ids
    s.fills = fills
    s.mrec = mrec
    s.arec = arec
    return s


@njit(cache=True)
def step(buf: np.ndarray, row: np.ndarray, eff: np.ndarray, record: bool, s: Any) -> int:
    """One market step on the packed arrays (market._step.step_kernel)."""
    return step_kernel(
        buf, row, eff, record, s.fs, s.ist, s.prm, s.hist, s.mv, s.cash,
        s.shares, s.offs, s.mm_t, s.mm_o, s.mm_a, s.mm_c, s.mm_s, s.nz_t, s.nz_o, s.nz_a, s.nz_c,
        s.nz_s, s.fd_t, s.fd_o, s.fd_a, s.fd_c, s.fd_s, s.mo_t, s.mo_o, s.mo_a, s.mo_c, s.mo_s,
        s.rl_act, s.rl_owner, s.rl_size, s.rl_max, s.rl_value0, s.rl_idx, s.executed, s.rl_pnl,
        s.ring, s.rcounts, s.known, s.out, s.ids, s.fills, s.mrec, s.arec
    )  # fmt: skip


def entry(dispatcher: Any, *args: Any) -> Callable[..., Any]:
    """`dispatcher` compiled for the types of `args`, called without numba's type dispatch."""
    sig = tuple(numba.typeof(a) for a in args)
    if sig not in dispatcher.overloads:
        dispatcher.compile(sig)
    return dispatcher.overloads[sig].entry_point  # type: ignore[no-any-return]
