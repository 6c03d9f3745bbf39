"""Storage of the compiled order book: every table lives in ONE int64 buffer (numba kernels).

One buffer means one argument per kernel call, which keeps Python -> numba call overhead low
for the per-call API, and kernels address it by raw offsets (no array views, so no reference
counting in the hot path). The header holds capacities, offsets and counters; the tables are
orders (slot per live order, FIFO links within a level and links within its owner's list),
levels (total, head, tail), owners (head, tail, count), a min-heap of signed level keys per side
(asks: +price, bids: -price), open-addressing hash maps (order id -> slot, signed price -> level,
owner -> owner slot) and a fill buffer. `grow` returns a larger copy when a table is full.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = np.iinfo(np.int64).min  # free hash-map key
NIL = -1  # "no slot" link

# header slots (the buffer starts with HEADER int64 words of bookkeeping)
OCAP, OOFF, OFREE, OUSED, NLIVE = 0, 1, 2, 3, 4
LCAP, LOFF, LFREE, LUSED = 5, 6, 7, 8
WCAP, WOFF, WUSED = 9, 10, 11
HOFF, POFF, WHOFF = 12, 13, 14  # hash maps: order id, signed price, owner
QBOFF, QAOFF, NB, NA = 15, 16, 17, 18  # bid / ask heaps (capacity LCAP each)
FCAP, FOFF, NFILLS = 19, 20, 21
BEST_BID, BEST_ASK = 22, 23
HCAP, PCAP, WHCAP = 24, 25, 26  # hash-map capacities (powers of two)
HEADER = 32

# order fields
OID, QTY, PRICE, SIDE, LVL, PREV, NEXT, OWN, OPREV, ONEXT = range(10)
OF = 10
# level fields
LKEY, LTOT, LHEAD, LTAIL = range(4)
LF = 4
# owner fields
WKEY, WHEAD, WTAIL, WCOUNT = range(4)
WF = 4
# fill row fields
F_MAKER_ID, F_TAKER_ID, F_PRICE, F_QTY, F_MAKER_OWNER, F_TAKER_OWNER, F_SIDE, F_EVENT = range(8)
FF = 8

_MULT = -7046029254386353131  # 0x9E3779B97F4A7C15 as int64 (Fibonacci hashing)


@njit(cache=True, inline="always")
def hcap_of(cap: int) -> int:
    """Hash-map capacity for `cap` entries: a power of two >= 2 * cap (load factor <= 1/2)."""
    h = 8
    while h < 2 * cap + 2:
        h *= 2
    return h


@njit(cache=True, inline="always")
def orders_t(buf):  # type: ignore[no-untyped-def]
    o = buf[OOFF]
    return buf[o : o + buf[OCAP] * OF].reshape((buf[OCAP], OF))


@njit(cache=True, inline="always")
def levels_t(buf):  # type: ignore[no-untyped-def]
    o = buf[LOFF]
    return buf[o : o + buf[LCAP] * LF].reshape((buf[LCAP], LF))


@njit(cache=True, inline="always")
def owners_t(buf):  # type: ignore[no-untyped-def]
    o = buf[WOFF]
    return buf[o : o + buf[WCAP] * WF].reshape((buf[WCAP], WF))


@njit(cache=True, inline="always")
def hash_t(buf, off_slot, cap_slot):  # type: ignore[no-untyped-def]
    o = buf[off_slot]
    h = buf[cap_slot]
    return buf[o : o + 2 * h].reshape((h, 2))


@njit(cache=True, inline="always")
def heap_t(buf, off_slot):  # type: ignore[no-untyped-def]
    o = buf[off_slot]
    return buf[o : o + buf[LCAP]]


@njit(cache=True, inline="always")
def fills_t(buf):  # type: ignore[no-untyped-def]
    o = buf[FOFF]
    return buf[o : o + buf[FCAP] * FF].reshape((buf[FCAP], FF))


@njit(cache=True, inline="always")
def _home(key, mask):  # type: ignore[no-untyped-def]
    h = key * _MULT
    h ^= h >> 31
    return h & mask


@njit(cache=True, inline="always")
def hget(buf, off, mask, key):  # type: ignore[no-untyped-def]
    """Value stored for `key` in the hash map at buf[off:] (2 words a bucket), or NIL."""
    i = _home(key, mask)
    while True:
        k = buf[off + 2 * i]
        if k == key:
            return buf[off + 2 * i + 1]
        if k == EMPTY:
            return NIL
        i = (i + 1) & mask


@njit(cache=True, inline="always")
def hput(buf, off, mask, key, val):  # type: ignore[no-untyped-def]
    """Insert `key` (known to be absent)."""
    i = _home(key, mask)
    while buf[off + 2 * i] != EMPTY:
        i = (i + 1) & mask
    buf[off + 2 * i] = key
    buf[off + 2 * i + 1] = val


@njit(cache=True)
def hdel(buf, off, mask, key):  # type: ignore[no-untyped-def]
    """Remove `key` (known to be present) with backward-shift deletion (no tombstones)."""
    i = _home(key, mask)
    while buf[off + 2 * i] != key:
        i = (i + 1) & mask
    j = i
    while True:
        j = (j + 1) & mask
        k = buf[off + 2 * j]
        if k == EMPTY:
            break
        h = _home(k, mask)
        if (j > i and (h <= i or h > j)) or (j < i and h <= i and h > j):
            buf[off + 2 * i] = k
            buf[off + 2 * i + 1] = buf[off + 2 * j + 1]
            i = j
    buf[off + 2 * i] = EMPTY


@njit(cache=True, inline="always")
def heap_push(buf, off, n, key):  # type: ignore[no-untyped-def]
    """Push onto the min-heap at buf[off:] holding n keys."""
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if buf[off + parent] <= key:
            break
        buf[off + i] = buf[off + parent]
        i = parent
    buf[off + i] = key


@njit(cache=True)
def heap_pop(buf, off, n):  # type: ignore[no-untyped-def]
    """Drop the top of the min-heap at buf[off:] holding n keys (n - 1 remain)."""
    n -= 1
    key = buf[off + n]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and buf[off + child + 1] < buf[off + child]:
            child += 1
        if buf[off + child] >= key:
            break
        buf[off + i] = buf[off + child]
        i = child
    if n > 0:
        buf[off + i] = key


@njit(cache=True)
def alloc(ocap, lcap, wcap, fcap):  # type: ignore[no-untyped-def]
    """A fresh, empty buffer with room for the given numbers of orders, levels, owners, fills."""
    sizes = (ocap * OF, lcap * LF, wcap * WF, 2 * hcap_of(ocap), 2 * hcap_of(lcap),
             2 * hcap_of(wcap), lcap, lcap, fcap * FF)
    total = HEADER
    for s in sizes:
        total += s
    # The fill table comes last and is written before it is read: left uninitialised, a big one
    # costs no page writes (a grow copies only the rows in use).
    buf = np.empty(total, dtype=np.int64)
    buf[:HEADER] = 0
    buf[HEADER : total - sizes[-1]] = NIL
    slots = (OOFF, LOFF, WOFF, HOFF, POFF, WHOFF, QBOFF, QAOFF, FOFF)
    off = HEADER
    for k in range(len(slots)):
        buf[slots[k]] = off
        off += sizes[k]
    buf[OCAP], buf[LCAP], buf[WCAP], buf[FCAP] = ocap, lcap, wcap, fcap
    buf[HCAP], buf[PCAP], buf[WHCAP] = hcap_of(ocap), hcap_of(lcap), hcap_of(wcap)
    buf[OFREE] = NIL
    buf[LFREE] = NIL
    for slot, cap in ((HOFF, ocap), (POFF, lcap), (WHOFF, wcap)):
        buf[buf[slot] : buf[slot] + 2 * hcap_of(cap)] = EMPTY
    return buf


@njit(cache=True, inline="always")
def has_room(buf):  # type: ignore[no-untyped-def]
    """True if one more order, level, owner and a full sweep of fills fit without growing."""
    return (
        (buf[OFREE] != NIL or buf[OUSED] < buf[OCAP])
        and (buf[LFREE] != NIL or buf[LUSED] < buf[LCAP])
        and buf[WUSED] < buf[WCAP]
        and buf[NFILLS] + buf[NLIVE] + 1 <= buf[FCAP]
    )


@njit(cache=True)
def grow(buf):  # type: ignore[no-untyped-def]
    """A copy of `buf` with every nearly full table doubled (slot indices are kept)."""
    ocap, lcap, wcap, fcap = buf[OCAP], buf[LCAP], buf[WCAP], buf[FCAP]
    if 2 * (buf[OUSED] + 1) > ocap:
        ocap = max(2 * ocap, 16)
    if 2 * (buf[LUSED] + 1) > lcap:
        lcap = max(2 * lcap, 16)
    if 2 * (buf[WUSED] + 1) > wcap:
        wcap = max(2 * wcap, 16)
    while fcap < 2 * (buf[NFILLS] + buf[NLIVE] + 1):
        fcap = max(2 * fcap, 16)
    return _copy_into(buf, alloc(ocap, lcap, wcap, fcap))


@njit(cache=True, inline="always")
def fits(buf, m):  # type: ignore[no-untyped-def]
    """True if m more orders (each a new level, a new owner and a full sweep) fit without growing.

    Conservative (free slots are not counted), so a step that reserves its orders up front
    never runs out of room half-way.
    """
    return (
        buf[OUSED] + m <= buf[OCAP]
        and buf[LUSED] + m <= buf[LCAP]
        and buf[WUSED] + m <= buf[WCAP]
        and buf[NLIVE] + 2 * m + 1 <= buf[FCAP]
    )


@njit(cache=True)
def grow_for(buf, m):  # type: ignore[no-untyped-def]
    """A copy of `buf` in which `fits(buf, m)` holds (tables doubled until they do)."""
    ocap, lcap, wcap, fcap = buf[OCAP], buf[LCAP], buf[WCAP], buf[FCAP]
    while buf[OUSED] + m > ocap:
        ocap *= 2
    while buf[LUSED] + m > lcap:
        lcap *= 2
    while buf[WUSED] + m > wcap:
        wcap *= 2
    while buf[NLIVE] + 2 * m + 1 > fcap:
        fcap *= 2
    return _copy_into(buf, alloc(ocap, lcap, wcap, fcap))


@njit(cache=True)
def _copy_into(buf, new):  # type: ignore[no-untyped-def]
    """Copy every table of `buf` into the larger, empty `new` (slot indices kept); return new."""
    for s in (OFREE, OUSED, NLIVE, LFREE, LUSED, WUSED, NB, NA, NFILLS, BEST_BID, BEST_ASK):
        new[s] = buf[s]
    orders_t(new)[: buf[OCAP]] = orders_t(buf)
    levels_t(new)[: buf[LCAP]] = levels_t(buf)
    owners_t(new)[: buf[WCAP]] = owners_t(buf)
    heap_t(new, QBOFF)[: buf[NB]] = heap_t(buf, QBOFF)[: buf[NB]]
    heap_t(new, QAOFF)[: buf[NA]] = heap_t(buf, QAOFF)[: buf[NA]]
    fills_t(new)[: buf[NFILLS]] = fills_t(buf)[: buf[NFILLS]]
    for slot, cap_slot in ((HOFF, HCAP), (POFF, PCAP), (WHOFF, WHCAP)):
        old_tab = hash_t(buf, slot, cap_slot)
        off, mask = new[slot], new[cap_slot] - 1
        for i in range(old_tab.shape[0]):
            if old_tab[i, 0] != EMPTY:
                hput(new, off, mask, old_tab[i, 0], old_tab[i, 1])
    return new
