"""The fused simulator step: one compiled call runs a whole market step.

In order: the fundamental moves; the RL agents' orders are clipped at their position limits;
expired orders are cancelled; market makers requote; noise traders, fundamentalists and
momentum traders decide and arrive in a random order; the stress seller and the RL agents send
market orders; the book matches the whole batch; fills are settled into the accounts; new limit
orders are queued for expiry; the state (mid, depth, indicators) and the records are updated.
The variates come from the step's row of pre-drawn blocks (market/_draws.py), so the step itself
draws nothing. Array layouts are named in market/state.py, market/agents/base.py (order rows,
market view) and market/_nbtables.py (book tables, fill rows).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market import _nbtables as tb
from market._batch import MAX_QTY_PRICE
from market._fastbook import _cancel, _price_map, _settle, _submit
from market.agents import base as ab
from market.agents.fundamentalist import fundamentalist_kernel
from market.agents.market_maker import LEVELS, maker_kernel
from market.agents.momentum import momentum_kernel
from market.agents.noise import noise_kernel
from market.expiry import expiry_pop, expiry_push
from market.orders import KIND_CANCEL, KIND_LIMIT, KIND_MARKET, SELL
from market.records import MARKET_COLUMNS
from market.state import (
    ABS_RET_EWMA,
    AGENT_ROWS,
    ANCHOR_ALPHA,
    ASK_DEPTH,
    BAD_FIELD,
    BAD_ROW,
    BEST_ASK,
    BEST_BID,
    BID_DEPTH,
    CLOCK,
    DEPTH_LEVELS,
    EFF_JUMP,
    EFF_MAKERS_OUT,
    EFF_NOISE_SCALE,
    EFF_SELL_QTY,
    EFF_STRESS,
    FLOW,
    JUMP_PROB,
    JUMP_SIGMA,
    LOG_FUNDAMENTAL,
    LOG_MID_EMA,
    MARKET_ROWS,
    MID,
    MID_EMA,
    N_FILLS,
    NEXT_ID,
    SIGMA,
    STEP,
    STRESS_OWNER,
    TICK,
    TRADES,
    VOL_ALPHA,
    VOL_TICKS,
    VOLUME,
)  # fmt: skip

OK = 0
NEED_ROOM = -1
BAD_ORDER = -2
# draw-row offsets of the streams (DrawBlocks column order)
D_FUNDAMENTAL, D_MAKER, D_NOISE, D_FUNDAMENTALIST, D_MOMENTUM, D_ARRIVAL = range(6)
# market record columns written by the kernel
(M_MID, M_BID, M_ASK, M_SPREAD, M_DEPTH, M_VOLUME, M_TRADES, M_STRESS, M_BID_DEPTH,
 M_ASK_DEPTH, M_FUNDAMENTAL, M_FLOW) = range(len(MARKET_COLUMNS))  # fmt: skip
# agent record rows
A_STEP, A_AGENT, A_ACTION, A_POSITION, A_CASH, A_PNL = range(6)


@njit(cache=True, inline="always")
def new_orders(n_makers: int, levels: int, n_takers: int, n_rl: int) -> int:
    """Most new orders one step can send: maker ladders and sweeps, takers, stress seller, RL."""
    return n_makers * (1 + 2 * levels) + n_takers + 1 + n_rl


@njit(cache=True)
def top_depth(buf: np.ndarray, side: int, levels: int) -> int:
    """Resting quantity on the best `levels` non-empty levels of one side (+1 bids, -1 asks)."""
    off, count = (buf[tb.QBOFF], tb.NB) if side > 0 else (buf[tb.QAOFF], tb.NA)
    best = np.empty(levels, dtype=np.int64)  # the smallest keys so far, ascending
    tot = np.empty(levels, dtype=np.int64)
    m = 0
    lo = buf[tb.LOFF]
    for i in range(buf[count]):
        key = buf[off + i]
        if m == levels and key >= best[m - 1]:
            continue
        total = buf[lo + _price_map(buf, key) * tb.LF + tb.LTOT]
        if total == 0:
            continue
        j = m if m < levels else levels - 1
        while j > 0 and best[j - 1] > key:
            if j < levels:
                best[j], tot[j] = best[j - 1], tot[j - 1]
            j -= 1
        best[j], tot[j] = key, total
        if m < levels:
            m += 1
    s = 0
    for j in range(m):
        s += tot[j]
    return s


@njit(cache=True)
def _rl_orders(
    ist: np.ndarray, shares: np.ndarray, act: np.ndarray, owner: np.ndarray, size: np.ndarray,
    limit: np.ndarray, executed: np.ndarray, out: np.ndarray, k: int,
) -> int:  # fmt: skip
    """Round-robin from the clock: market orders of the agents whose position stays in limits."""
    n = owner.shape[0]
    for i in range(n):
        executed[i] = act[i]
    for j in range(n):
        i = (ist[CLOCK] + j) % n
        side = executed[i]
        if side != 0 and abs(shares[owner[i]] + side * size[i]) > limit[i]:
            executed[i] = 0
        elif side != 0:
            out[ab.KIND, k], out[ab.SIDE, k], out[ab.PRICE, k] = KIND_MARKET, side, 0
            out[ab.QTY, k], out[ab.OWNER, k], out[ab.LIFETIME, k] = size[i], owner[i], 0
            k += 1
    return k


@njit(cache=True)
def arrival_order(keys: np.ndarray, m: int) -> np.ndarray:
    """The stable argsort of keys[:m] (uniforms in [0, 1)) in expected O(m): bucket sort.

    Keys fall into m equal buckets in key order (a stable counting pass), then each bucket
    (about one key) is insertion-sorted; equal keys keep their order, as a stable sort does.
    """
    start = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        start[int(keys[i] * m) + 1] += 1
    for b in range(m):
        start[b + 1] += start[b]
    fill = start[:m].copy()
    order = np.empty(m, dtype=np.int64)
    for i in range(m):
        b = int(keys[i] * m)
        order[fill[b]] = i
        fill[b] += 1
    for b in range(m):
        for i in range(start[b] + 1, start[b + 1]):
            x = order[i]
            j = i
            while j > start[b] and keys[order[j - 1]] > keys[x]:
                order[j] = order[j - 1]
                j -= 1
            order[j] = x
    return order


@njit(cache=True)
def _arrive(out: np.ndarray, start: int, k: int, keys: np.ndarray) -> None:
    """Put the takers' orders out[:, start:k] in the random arrival order of `keys` (stable)."""
    if k - start < 2:
        return
    order = arrival_order(keys, k - start)
    block = out[:, start:k].copy()
    for c in range(k - start):
        for r in range(ab.N_ROWS):
            out[r, start + c] = block[r, order[c]]


@njit(cache=True)
def _first_bad(out: np.ndarray, start: int, k: int) -> tuple[int, int]:
    """(event index, field 0 qty / 1 price) of the first invalid new order, or (-1, -1)."""
    for i in range(start, k):
        if out[ab.QTY, i] <= 0 or out[ab.QTY, i] >= MAX_QTY_PRICE:
            return i, 0
        if out[ab.KIND, i] == KIND_LIMIT and not 0 < out[ab.PRICE, i] < MAX_QTY_PRICE:
            return i, 1
    return -1, -1


@njit(cache=True)
def _fundamental(
    fs: np.ndarray, prm: np.ndarray, eff: np.ndarray, row: np.ndarray, o: int
) -> float:
    """Move the log fundamental (normal, jump uniform, jump normal); return the news in ticks."""
    before = math.exp(fs[LOG_FUNDAMENTAL])
    jump = prm[JUMP_SIGMA] * row[o + 2] if row[o + 1] < prm[JUMP_PROB] else 0.0
    fs[LOG_FUNDAMENTAL] += prm[SIGMA] * row[o] + jump + eff[EFF_JUMP]
    news = math.exp(fs[LOG_FUNDAMENTAL]) - before
    fs[MID_EMA] += news
    return news


@njit(cache=True)
def _match_and_settle(
    buf: np.ndarray, out: np.ndarray, ids: np.ndarray, k: int, cash: np.ndarray,
    shares: np.ndarray, fills: np.ndarray, ist: np.ndarray,
) -> int:  # fmt: skip
    """Apply the batch to the book, settle its fills, copy them out; return the fill count."""
    buf[tb.NFILLS] = 0
    for i in range(k):
        if out[ab.KIND, i] == KIND_CANCEL:
            _cancel(buf, ids[i])
        else:
            price = out[ab.PRICE, i] if out[ab.KIND, i] == KIND_LIMIT else 0
            _submit(buf, ids[i], out[ab.SIDE, i], price, out[ab.QTY, i], out[ab.OWNER, i], i)
    _settle(buf)
    n, fo = buf[tb.NFILLS], buf[tb.FOFF]
    volume = flow = 0
    for f in range(n):
        b = fo + f * tb.FF
        for j in range(tb.FF):
            fills[f, j] = buf[b + j]
        signed = buf[b + tb.F_SIDE] * buf[b + tb.F_QTY]
        taker, maker = buf[b + tb.F_TAKER_OWNER], buf[b + tb.F_MAKER_OWNER]
        value = signed * buf[b + tb.F_PRICE]
        shares[taker] += signed
        shares[maker] -= signed
        cash[taker] -= value
        cash[maker] += value
        volume += buf[b + tb.F_QTY]
        flow += signed
    ist[VOLUME], ist[FLOW], ist[TRADES], ist[N_FILLS] = volume, flow, n, n
    return n


@njit(cache=True)
def _update_state(
    buf: np.ndarray, fs: np.ndarray, ist: np.ndarray, prm: np.ndarray, hist: np.ndarray,
    fills: np.ndarray, n_fills: int,
) -> None:  # fmt: skip
    """Best prices, mid (last trade when a side is empty), depth, indicators, log-mid history."""
    bb, ba = buf[tb.BEST_BID], buf[tb.BEST_ASK]
    prev = fs[MID]
    if bb != 0 and ba != 0:
        fs[MID] = (bb + ba) / 2.0
    elif n_fills:
        fs[MID] = float(fills[n_fills - 1, tb.F_PRICE])
    mid = fs[MID]
    ist[BEST_BID], ist[BEST_ASK] = bb, ba
    ist[BID_DEPTH] = top_depth(buf, 1, DEPTH_LEVELS)
    ist[ASK_DEPTH] = top_depth(buf, -1, DEPTH_LEVELS)
    a = prm[VOL_ALPHA]
    h = hist.shape[0]
    clock = ist[CLOCK]
    fs[VOL_TICKS] = (1.0 - a) * fs[VOL_TICKS] + a * abs(mid - prev)
    log_mid = math.log(mid)
    fs[ABS_RET_EWMA] = (1.0 - a) * fs[ABS_RET_EWMA] + a * abs(log_mid - hist[clock % h])
    fs[LOG_MID_EMA] += (log_mid - fs[LOG_MID_EMA]) / 10.0
    fs[MID_EMA] += (mid - fs[MID_EMA]) * prm[ANCHOR_ALPHA]
    hist[(clock + 1) % h] = log_mid


@njit(cache=True)
def _record(
    fs: np.ndarray, ist: np.ndarray, prm: np.ndarray, eff: np.ndarray, mrec: np.ndarray,
    arec: np.ndarray, cash: np.ndarray, shares: np.ndarray, rl_owner: np.ndarray,
    rl_pnl: np.ndarray, rl_idx: np.ndarray, executed: np.ndarray,
) -> None:  # fmt: skip
    """Append the market record row (currency units) and one row per live RL agent."""
    tick, c = prm[TICK], ist[MARKET_ROWS]
    bb, ba, mid = ist[BEST_BID], ist[BEST_ASK], fs[MID]
    mrec[M_MID, c] = mid * tick
    mrec[M_BID, c] = bb * tick if bb != 0 else np.nan
    mrec[M_ASK, c] = ba * tick if ba != 0 else np.nan
    mrec[M_SPREAD, c] = (ba - bb) * tick if bb != 0 and ba != 0 else np.nan
    mrec[M_DEPTH, c] = ist[BID_DEPTH] + ist[ASK_DEPTH]
    mrec[M_VOLUME, c], mrec[M_TRADES, c] = ist[VOLUME], ist[TRADES]
    mrec[M_STRESS, c] = eff[EFF_STRESS]
    mrec[M_BID_DEPTH, c], mrec[M_ASK_DEPTH, c] = ist[BID_DEPTH], ist[ASK_DEPTH]
    mrec[M_FUNDAMENTAL, c] = math.exp(fs[LOG_FUNDAMENTAL]) * tick
    mrec[M_FLOW, c] = ist[FLOW]
    ist[MARKET_ROWS] = c + 1
    r = ist[AGENT_ROWS]
    for i in range(rl_owner.shape[0]):
        o = rl_owner[i]
        arec[A_STEP, r], arec[A_AGENT, r], arec[A_ACTION, r] = ist[STEP], rl_idx[i], executed[i]
        arec[A_POSITION, r], arec[A_CASH, r] = shares[o], cash[o] * tick
        arec[A_PNL, r] = rl_pnl[i]
        r += 1
    ist[AGENT_ROWS] = r
    ist[STEP] += 1


@njit(cache=True)
def step_kernel(
    buf: np.ndarray, row: np.ndarray, eff: np.ndarray, record: bool,
    fs: np.ndarray, ist: np.ndarray, prm: np.ndarray, hist: np.ndarray, mv: np.ndarray,
    cash: np.ndarray, shares: np.ndarray, offs: np.ndarray,
    mm_t: np.ndarray, mm_o: np.ndarray, mm_a: np.ndarray, mm_c: np.ndarray, mm_s: np.ndarray,
    nz_t: np.ndarray, nz_o: np.ndarray, nz_a: np.ndarray, nz_c: np.ndarray, nz_s: np.ndarray,
    fd_t: np.ndarray, fd_o: np.ndarray, fd_a: np.ndarray, fd_c: np.ndarray, fd_s: np.ndarray,
    mo_t: np.ndarray, mo_o: np.ndarray, mo_a: np.ndarray, mo_c: np.ndarray, mo_s: np.ndarray,
    rl_act: np.ndarray, rl_owner: np.ndarray, rl_size: np.ndarray, rl_max: np.ndarray,
    rl_value0: np.ndarray, rl_idx: np.ndarray, executed: np.ndarray, rl_pnl: np.ndarray,
    ring: np.ndarray, rcounts: np.ndarray, known: np.ndarray,
    out: np.ndarray, ids: np.ndarray, fills: np.ndarray, mrec: np.ndarray, arec: np.ndarray,
) -> int:  # fmt: skip
    """One market step (see the module docstring); OK, NEED_ROOM (nothing changed) or BAD_ORDER."""
    n_new = new_orders(mm_o.shape[0], int(mm_c[LEVELS]), nz_o.shape[0] + fd_o.shape[0]
                       + mo_o.shape[0], rl_owner.shape[0])  # fmt: skip
    if not tb.fits(buf, n_new):
        return NEED_ROOM
    clock = ist[CLOCK]
    news = _fundamental(fs, prm, eff, row, offs[D_FUNDAMENTAL])
    mv[ab.MV_STEP], mv[ab.MV_MID] = clock, fs[MID]
    mv[ab.MV_FUNDAMENTAL] = math.exp(fs[LOG_FUNDAMENTAL])
    mv[ab.MV_VOL], mv[ab.MV_POS] = fs[VOL_TICKS], clock % hist.shape[0]
    mv[ab.MV_EMA] = fs[MID_EMA]
    mv[ab.MV_NEWS], mv[ab.MV_NOISE_SCALE] = news, eff[EFF_NOISE_SCALE]
    mv[ab.MV_OUT] = eff[EFF_MAKERS_OUT]
    nc = expiry_pop(ring, rcounts, clock, ids, 0)
    for i in range(nc):
        out[ab.KIND, i] = KIND_CANCEL
        for r in range(1, ab.N_ROWS):
            out[r, i] = 0
    o = offs[D_MAKER]
    u = row[o : o + mm_o.shape[0]]
    k = maker_kernel(u, mm_t, mm_o, mm_a, mm_c, mm_s, mv, shares, hist, out, nc)
    start = k
    o = offs[D_NOISE]
    u = row[o : o + 5 * nz_o.shape[0] + 1]
    k = noise_kernel(u, nz_t, nz_o, nz_a, nz_c, nz_s, mv, shares, hist, out, k)
    o = offs[D_FUNDAMENTALIST]
    u = row[o : o + 2 * fd_o.shape[0]]
    k = fundamentalist_kernel(u, fd_t, fd_o, fd_a, fd_c, fd_s, mv, shares, hist, out, k)
    o = offs[D_MOMENTUM]
    u = row[o : o + mo_o.shape[0]]
    k = momentum_kernel(u, mo_t, mo_o, mo_a, mo_c, mo_s, mv, shares, hist, out, k)
    _arrive(out, start, k, row[offs[D_ARRIVAL] :])
    if eff[EFF_SELL_QTY] > 0:
        out[ab.KIND, k], out[ab.SIDE, k], out[ab.PRICE, k] = KIND_MARKET, SELL, 0
        out[ab.QTY, k], out[ab.OWNER, k] = eff[EFF_SELL_QTY], prm[STRESS_OWNER]
        out[ab.LIFETIME, k] = 0
        k += 1
    k = _rl_orders(ist, shares, rl_act, rl_owner, rl_size, rl_max, executed, out, k)
    bad, field = _first_bad(out, nc, k)
    if bad >= 0:
        ist[BAD_ROW], ist[BAD_FIELD] = bad, field
        return BAD_ORDER
    for i in range(nc, k):
        ids[i] = ist[NEXT_ID] + i - nc
    ist[NEXT_ID] += k - nc
    n_fills = _match_and_settle(buf, out, ids, k, cash, shares, fills, ist)
    expiry_push(ring, rcounts, known, out[ab.KIND], out[ab.LIFETIME], ids, nc, k, clock)
    _update_state(buf, fs, ist, prm, hist, fills, n_fills)
    ist[CLOCK] = clock + 1
    mid, tick = fs[MID], prm[TICK]
    for i in range(rl_owner.shape[0]):  # mark-to-market PnL (currency) of the RL agents
        o = rl_owner[i]
        rl_pnl[i] = (cash[o] + shares[o] * mid - rl_value0[i]) * tick
    if record:
        _record(fs, ist, prm, eff, mrec, arec, cash, shares, rl_owner, rl_pnl, rl_idx, executed)
    return OK
