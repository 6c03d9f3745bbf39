"""Compiled matching engine behind `market.book.OrderBook` (numba kernels over one int64 buffer).

Price-time priority: each side is a min-heap of signed level keys (asks +price, bids -price) with
a FIFO doubly linked list of orders per level, so a cancel unlinks in O(1) and never touches the
other orders. A level whose total drops to 0 is freed when it reaches the top of its heap (or by
`purge`). Kernels return NEED_ROOM before changing anything when a table is full; the caller
then grows the buffer and calls again. See market/_nbtables.py for the layout.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from market._batch import MAX_QTY_PRICE, MIN_ID
from market._nbtables import (
    BEST_ASK,
    BEST_BID,
    F_EVENT,
    F_MAKER_ID,
    F_MAKER_OWNER,
    F_PRICE,
    F_QTY,
    F_SIDE,
    F_TAKER_ID,
    F_TAKER_OWNER,
    FF,
    FOFF,
    HCAP,
    HOFF,
    LF,
    LFREE,
    LHEAD,
    LKEY,
    LOFF,
    LTAIL,
    LTOT,
    LUSED,
    LVL,
    NA,
    NB,
    NEXT,
    NFILLS,
    NIL,
    NLIVE,
    OF,
    OFREE,
    OID,
    ONEXT,
    OOFF,
    OPREV,
    OUSED,
    OWN,
    PCAP,
    POFF,
    PREV,
    PRICE,
    QAOFF,
    QBOFF,
    QTY,
    SIDE,
    WCOUNT,
    WF,
    WHCAP,
    WHEAD,
    WHOFF,
    WKEY,
    WOFF,
    WTAIL,
    WUSED,
    has_room,
    hdel,
    heap_pop,
    heap_push,
    hget,
    hput,
    levels_t,
)

NEED_ROOM = -1
DUPLICATE = -2
BAD = -3  # a per-call argument out of range: the Python side re-checks it and names the field
NO_LIMIT = 1 << 62
# Tables are addressed by raw offsets into buf (no views in the hot path: no refcounting):
# order o field F is buf[buf[OOFF] + o * OF + F], level l field F is buf[buf[LOFF] + l * LF + F].


@njit(cache=True, inline="always")
def _price_map(buf, key):  # type: ignore[no-untyped-def]
    return hget(buf, buf[POFF], buf[PCAP] - 1, key)


@njit(cache=True)
def _pop_top(buf, side_of_heap):  # type: ignore[no-untyped-def]
    """Free the top level of one side's heap (side +1 bids, -1 asks)."""
    off, count = (buf[QBOFF], NB) if side_of_heap > 0 else (buf[QAOFF], NA)
    key = buf[off]
    lvl = _price_map(buf, key)
    heap_pop(buf, off, buf[count])
    buf[count] -= 1
    hdel(buf, buf[POFF], buf[PCAP] - 1, key)
    buf[buf[LOFF] + lvl * LF + LHEAD] = buf[LFREE]
    buf[LFREE] = lvl


@njit(cache=True)
def _unlink(buf, o):  # type: ignore[no-untyped-def]
    """Remove order slot `o` from its level FIFO, its owner list and the id map; free the slot."""
    oo, ob = buf[OOFF], buf[OOFF] + o * OF
    lb = buf[LOFF] + buf[ob + LVL] * LF
    prev, nxt = buf[ob + PREV], buf[ob + NEXT]
    if prev == NIL:
        buf[lb + LHEAD] = nxt
    else:
        buf[oo + prev * OF + NEXT] = nxt
    if nxt == NIL:
        buf[lb + LTAIL] = prev
    else:
        buf[oo + nxt * OF + PREV] = prev
    buf[lb + LTOT] -= buf[ob + QTY]
    wb = buf[WOFF] + buf[ob + OWN] * WF
    oprev, onext = buf[ob + OPREV], buf[ob + ONEXT]
    if oprev == NIL:
        buf[wb + WHEAD] = onext
    else:
        buf[oo + oprev * OF + ONEXT] = onext
    if onext == NIL:
        buf[wb + WTAIL] = oprev
    else:
        buf[oo + onext * OF + OPREV] = oprev
    buf[wb + WCOUNT] -= 1
    hdel(buf, buf[HOFF], buf[HCAP] - 1, buf[ob + OID])
    buf[ob + NEXT] = buf[OFREE]
    buf[OFREE] = o
    buf[NLIVE] -= 1


@njit(cache=True)
def _match(buf, taker, side, key_limit, qty, owner, event):  # type: ignore[no-untyped-def]
    """Fill `qty` against the side opposite `side` while its best key <= key_limit; return rest."""
    off, count = (buf[QAOFF], NA) if side > 0 else (buf[QBOFF], NB)
    oo, n = buf[OOFF], buf[NFILLS]
    while qty > 0 and buf[count] > 0 and buf[off] <= key_limit:
        key = buf[off]
        lb = buf[LOFF] + _price_map(buf, key) * LF
        price = key * side
        o = buf[lb + LHEAD]
        while qty > 0 and o != NIL:
            ob = oo + o * OF
            resting = buf[ob + QTY]
            traded = min(qty, resting)
            fb = buf[FOFF] + n * FF
            buf[fb + F_MAKER_ID], buf[fb + F_TAKER_ID] = buf[ob + OID], taker
            buf[fb + F_PRICE], buf[fb + F_QTY] = price, traded
            buf[fb + F_MAKER_OWNER] = buf[buf[WOFF] + buf[ob + OWN] * WF + WKEY]
            buf[fb + F_TAKER_OWNER], buf[fb + F_SIDE], buf[fb + F_EVENT] = owner, side, event
            n += 1
            qty -= traded
            nxt = buf[ob + NEXT]
            if traded == resting:
                _unlink(buf, o)
            else:
                buf[ob + QTY] = resting - traded
                buf[lb + LTOT] -= traded
            o = nxt
        if buf[lb + LTOT] == 0:
            _pop_top(buf, -side)
    buf[NFILLS] = n
    return qty


@njit(cache=True)
def _level_for(buf, key, side):  # type: ignore[no-untyped-def]
    """Slot of the level with `key`, allocated and pushed on its side's heap if new."""
    lvl = _price_map(buf, key)
    if lvl != NIL:
        return lvl
    if buf[LFREE] != NIL:
        lvl = buf[LFREE]
        buf[LFREE] = buf[buf[LOFF] + lvl * LF + LHEAD]
    else:
        lvl = buf[LUSED]
        buf[LUSED] += 1
    lb = buf[LOFF] + lvl * LF
    buf[lb + LKEY], buf[lb + LTOT], buf[lb + LHEAD], buf[lb + LTAIL] = key, 0, NIL, NIL
    hput(buf, buf[POFF], buf[PCAP] - 1, key, lvl)
    off, count = (buf[QBOFF], NB) if side > 0 else (buf[QAOFF], NA)
    heap_push(buf, off, buf[count], key)
    buf[count] += 1
    return lvl


@njit(cache=True, inline="always")
def _owner_slot(buf, owner):  # type: ignore[no-untyped-def]
    w = hget(buf, buf[WHOFF], buf[WHCAP] - 1, owner)
    if w == NIL:
        w = buf[WUSED]
        buf[WUSED] += 1
        wb = buf[WOFF] + w * WF
        buf[wb + WKEY], buf[wb + WHEAD], buf[wb + WTAIL], buf[wb + WCOUNT] = owner, NIL, NIL, 0
        hput(buf, buf[WHOFF], buf[WHCAP] - 1, owner, w)
    return w


@njit(cache=True)
def _rest(buf, oid, side, price, qty, owner):  # type: ignore[no-untyped-def]
    """Append a new order at the tail of its level (creating the level if needed)."""
    lvl = _level_for(buf, -price * side, side)
    w = _owner_slot(buf, owner)
    oo = buf[OOFF]
    if buf[OFREE] != NIL:
        o = buf[OFREE]
        buf[OFREE] = buf[oo + o * OF + NEXT]
    else:
        o = buf[OUSED]
        buf[OUSED] += 1
    lb, wb, ob = buf[LOFF] + lvl * LF, buf[WOFF] + w * WF, oo + o * OF
    tail, otail = buf[lb + LTAIL], buf[wb + WTAIL]
    buf[ob + OID], buf[ob + QTY], buf[ob + PRICE], buf[ob + SIDE] = oid, qty, price, side
    buf[ob + LVL], buf[ob + PREV], buf[ob + NEXT], buf[ob + OWN] = lvl, tail, NIL, w
    buf[ob + OPREV], buf[ob + ONEXT] = otail, NIL
    if tail == NIL:
        buf[lb + LHEAD] = o
    else:
        buf[oo + tail * OF + NEXT] = o
    buf[lb + LTAIL] = o
    buf[lb + LTOT] += qty
    if otail == NIL:
        buf[wb + WHEAD] = o
    else:
        buf[oo + otail * OF + ONEXT] = o
    buf[wb + WTAIL] = o
    buf[wb + WCOUNT] += 1
    hput(buf, buf[HOFF], buf[HCAP] - 1, oid, o)
    buf[NLIVE] += 1


@njit(cache=True, inline="always")
def _submit(buf, oid, side, price, qty, owner, event):  # type: ignore[no-untyped-def]
    """Match a limit (price > 0) or market (price 0) order, then rest a limit's remainder."""
    key_limit = NO_LIMIT if price == 0 else price * side
    off, count = (buf[QAOFF], NA) if side > 0 else (buf[QBOFF], NB)
    if buf[count] > 0 and buf[off] <= key_limit:
        qty = _match(buf, oid, side, key_limit, qty, owner, event)
    if qty > 0 and price > 0:
        _rest(buf, oid, side, price, qty, owner)


@njit(cache=True, inline="always")
def _cancel(buf, oid):  # type: ignore[no-untyped-def]
    o = hget(buf, buf[HOFF], buf[HCAP] - 1, oid)
    if o == NIL:
        return 0
    _unlink(buf, o)
    return 1


@njit(cache=True, inline="always")
def _settle(buf):  # type: ignore[no-untyped-def]
    """Free emptied levels at both heap tops and record the best bid and ask (0 = none)."""
    lo = buf[LOFF]
    while buf[NB] > 0 and buf[lo + _price_map(buf, buf[buf[QBOFF]]) * LF + LTOT] == 0:
        _pop_top(buf, 1)
    while buf[NA] > 0 and buf[lo + _price_map(buf, buf[buf[QAOFF]]) * LF + LTOT] == 0:
        _pop_top(buf, -1)
    buf[BEST_BID] = -buf[buf[QBOFF]] if buf[NB] > 0 else 0
    buf[BEST_ASK] = buf[buf[QAOFF]] if buf[NA] > 0 else 0


@njit(cache=True, inline="always")
def _submit_call(buf, oid, side, price, qty, owner):  # type: ignore[no-untyped-def]
    """One per-call order with its range checks (BAD before anything changes); the fill count."""
    buf[NFILLS] = 0
    if oid == MIN_ID or not (0 <= price < MAX_QTY_PRICE and 0 < qty < MAX_QTY_PRICE):
        return BAD
    if not has_room(buf):
        return NEED_ROOM
    if hget(buf, buf[HOFF], buf[HCAP] - 1, oid) != NIL:
        return DUPLICATE
    _submit(buf, oid, side, price, qty, owner, 0)
    _settle(buf)
    return buf[NFILLS]


@njit("int64(int64[::1], int64, int64, int64, int64, int64)", cache=True)
def k_limit(buf, oid, side, price, qty, owner):  # type: ignore[no-untyped-def]
    """Per-call limit order (side +1/-1 trusted, the rest range-checked); the fill count or < 0."""
    if price == 0:
        return BAD
    return _submit_call(buf, oid, side, price, qty, owner)


@njit("int64(int64[::1], int64, int64, int64, int64)", cache=True)
def k_market(buf, oid, side, qty, owner):  # type: ignore[no-untyped-def]
    """Per-call IOC market order (side trusted, the rest range-checked); the fill count or < 0."""
    return _submit_call(buf, oid, side, 0, qty, owner)


@njit("boolean(int64[::1], int64)", cache=True)
def k_cancel(buf, oid):  # type: ignore[no-untyped-def]
    """Per-call cancel; True if the order was live (the reserved id -2**63 never is)."""
    if oid == MIN_ID:
        return False
    done = _cancel(buf, oid)
    if done:
        _settle(buf)
    return done == 1


@njit(cache=True)
def k_batch(buf, kinds, ids, sides, prices, qtys, owners, start):  # type: ignore[no-untyped-def]
    """Apply events start.. in order; return the index reached (< n when a table is full)."""
    n = kinds.shape[0]
    for i in range(start, n):
        if not has_room(buf):
            _settle(buf)
            return i
        kind = kinds[i]
        if kind == 2:
            _cancel(buf, ids[i])
        else:
            _submit(buf, ids[i], sides[i], prices[i] if kind == 0 else 0, qtys[i], owners[i], i)
    _settle(buf)
    return n


@njit(cache=True)
def purge(buf):  # type: ignore[no-untyped-def]
    """Free every level whose total is 0 and rebuild both heaps from the live levels."""
    lo = buf[LOFF]
    for off, count in ((buf[QBOFF], NB), (buf[QAOFF], NA)):
        keep = 0
        for i in range(buf[count]):
            key = buf[off + i]
            lvl = _price_map(buf, key)
            if buf[lo + lvl * LF + LTOT] > 0:
                buf[off + keep] = key
                keep += 1
            else:
                hdel(buf, buf[POFF], buf[PCAP] - 1, key)
                buf[lo + lvl * LF + LHEAD] = buf[LFREE]
                buf[LFREE] = lvl
        buf[off : off + keep] = np.sort(buf[off : off + keep])  # sorted = a valid min-heap
        buf[count] = keep


@njit(cache=True)
def k_depth(buf, side, n):  # type: ignore[no-untyped-def]
    """(price, total) of up to n non-empty levels of one side, best first."""
    off, count = (buf[QBOFF], NB) if side > 0 else (buf[QAOFF], NA)
    keys = np.sort(buf[off : off + buf[count]])
    levels = levels_t(buf)
    out = np.empty((min(n, keys.shape[0]), 2), dtype=np.int64)
    m = 0
    for key in keys:
        if m == out.shape[0]:
            break
        total = levels[_price_map(buf, key), LTOT]
        if total > 0:
            out[m, 0], out[m, 1] = -side * key, total
            m += 1
    return out[:m]


@njit(cache=True)
def k_order(buf, oid):  # type: ignore[no-untyped-def]
    """(side, price, qty, owner) of a live order; side 0 if it is not live."""
    out = np.zeros(4, dtype=np.int64)
    o = hget(buf, buf[HOFF], buf[HCAP] - 1, oid)
    if o != NIL:
        ob = buf[OOFF] + o * OF
        out[0], out[1], out[2] = buf[ob + SIDE], buf[ob + PRICE], buf[ob + QTY]
        out[3] = buf[buf[WOFF] + buf[ob + OWN] * WF + WKEY]
    return out


@njit(cache=True)
def k_owner_orders(buf, owner):  # type: ignore[no-untyped-def]
    """Ids of the live orders of `owner`, oldest first."""
    w = hget(buf, buf[WHOFF], buf[WHCAP] - 1, owner)
    if w == NIL:
        return np.empty(0, dtype=np.int64)
    wb, oo = buf[WOFF] + w * WF, buf[OOFF]
    out = np.empty(buf[wb + WCOUNT], dtype=np.int64)
    o = buf[wb + WHEAD]
    for i in range(out.shape[0]):
        out[i] = buf[oo + o * OF + OID]
        o = buf[oo + o * OF + ONEXT]
    return out


def entry(kernel):  # type: ignore[no-untyped-def]
    """The compiled entry point of a kernel with one explicit signature (skips type dispatch)."""
    try:
        return kernel.overloads[kernel.signatures[0]].entry_point
    except (AttributeError, IndexError, KeyError):  # pragma: no cover - numba internals moved
        return kernel
