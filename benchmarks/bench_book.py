"""Order-book throughput on a seeded stream of 1,000,000 mixed events: per call and batched.

The stream (about 60% limit orders near the touch, 10% market orders, 30% cancels of live orders) is
generated before timing by driving a scratch book, so every cancel targets an order that is live
at that moment. `python -m benchmarks book` prints events/s next to the targets and references.
"""

from __future__ import annotations

import gc
import os
import platform
import time

import numpy as np

from market.book import OrderBook

N_EVENTS = 1_000_000
SEED = 20_260_125
START_PRICE = 10_000
N_OWNERS = 100
REPEATS = 5  # best of: the machine is shared
SMALL_BATCH = 100  # events per submit_batch call in a simulator step
TARGET_PER_CALL = 2_000_000
TARGET_BATCH = 10_000_000
REFERENCES = (
    "ABIDES 35k-126k/s, fastlob 81k-95k/s, cython-orderbook ~400k/s, "
    "lean pure-Python dict+deque with lazy cancels 1.5M-2.1M/s, native C++/Java 2M-6M/s"
)
_SIDES = ("buy", "sell")


def make_stream(n: int = N_EVENTS, seed: int = SEED) -> dict[str, np.ndarray]:
    """Seeded event columns (kinds, order_ids, sides, prices, qtys, owners) for `submit_batch`.

    Limit prices sit a geometric number of ticks (mean 4) behind the own-side touch, 5% of limits
    are marketable, market orders take 10-100% of the opposite touch level: the book then stays
    at a realistic few hundred orders on some 40 levels a side while the mid wanders.
    """
    rng = np.random.default_rng(seed)
    u_kind, u_side = rng.random(n), rng.random(n)
    kinds = np.where(u_kind < 0.6, 0, np.where(u_kind < 0.7, 1, 2))
    sides = np.where(u_side < 0.5, 1, -1)
    owners = rng.integers(0, N_OWNERS, n)
    offsets = (rng.geometric(0.2, n) - 1).tolist()
    crossing = (rng.random(n) < 0.05).tolist()
    limit_qty = rng.integers(1, 100, n)
    take = rng.uniform(0.1, 1.0, n).tolist()
    picks = rng.random(n).tolist()
    prices = np.zeros(n, dtype=np.int64)
    qtys = limit_qty.copy()
    ids = np.arange(1, n + 1, dtype=np.int64)
    book, live = OrderBook(), list[int]()
    kinds_l, sides_l, owners_l = kinds.tolist(), sides.tolist(), owners.tolist()
    qty_l = qtys.tolist()
    for i in range(n):
        kind, sign, oid = kinds_l[i], sides_l[i], i + 1
        if kind == 2:
            target = _pick_live(book, live, picks[i])
            if target is not None:
                ids[i] = target
                book.cancel(target)
                continue
            kind = kinds_l[i] = 0
        side = _SIDES[sign < 0]
        if kind == 1:
            touch = book.depth(_SIDES[sign > 0], 1)
            qtys[i] = max(1, int(take[i] * (touch[0][1] if touch else 50)))
            book.submit_market(oid, side, int(qtys[i]), owners_l[i])
            continue
        bid, ask = book.best_bid(), book.best_ask()
        near = (bid if sign > 0 else ask) or (ask or bid or START_PRICE) - sign
        if crossing[i]:
            price = (ask if sign > 0 else bid) or near
            price += sign * (offsets[i] % 3)
        else:
            price = near - sign * offsets[i]
        prices[i] = price = max(price, 1)
        book.submit_limit(oid, side, price, qty_l[i], owners_l[i])
        if oid in book:
            live.append(oid)
    cols = {"kinds": np.array(kinds_l, dtype=np.int64), "order_ids": ids, "sides": sides}
    cols |= {"prices": prices, "qtys": qtys, "owners": owners.astype(np.int64)}
    return cols


def _pick_live(book: OrderBook, live: list[int], u: float) -> int | None:
    """A uniformly chosen live order id (swap-removing ids that have since been filled)."""
    while live:
        j = int(u * len(live))
        oid = live[j]
        live[j] = live[-1]
        live.pop()
        if oid in book:
            return oid
    return None


def replay_per_call(cols: dict[str, np.ndarray]) -> tuple[float, float, int, OrderBook]:
    """Replay the stream one public call per event; return (wall s, CPU s, fill count, book)."""
    events = list(zip(*(cols[k].tolist() for k in ("kinds", "order_ids", "sides")), strict=True))
    events = [
        (k, oid, _SIDES[s < 0], p, q, o)
        for (k, oid, s), p, q, o in zip(
            events, cols["prices"].tolist(), cols["qtys"].tolist(), cols["owners"].tolist(),
            strict=True,
        )
    ]
    book = OrderBook()
    limit, market, cancel = book.submit_limit, book.submit_market, book.cancel
    n_fills = 0
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for kind, oid, side, price, qty, owner in events:
        if kind == 0:
            fills = limit(oid, side, price, qty, owner)
        elif kind == 1:
            fills = market(oid, side, qty, owner)
        else:
            cancel(oid)
            continue
        if fills:
            n_fills += len(fills)
    return time.perf_counter() - start, time.process_time() - cpu, n_fills, book


def replay_batch(cols: dict[str, np.ndarray]) -> tuple[float, float, int, OrderBook]:
    """Replay the stream as one `submit_batch` call; return (wall s, CPU s, fill count, book)."""
    book = OrderBook()
    args = [cols[k] for k in ("kinds", "order_ids", "sides", "prices", "qtys", "owners")]
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    fills = book.submit_batch(*args)
    return time.perf_counter() - start, time.process_time() - cpu, len(fills), book


def replay_small_batches(cols: dict[str, np.ndarray], size: int = SMALL_BATCH) -> float:
    """Replay the stream as `submit_batch` calls of `size` events (a simulator step); seconds."""
    names = ("kinds", "order_ids", "sides", "prices", "qtys", "owners")
    chunks = [[cols[k][i : i + size] for k in names] for i in range(0, len(cols["kinds"]), size)]
    book = OrderBook()
    gc.collect()
    start = time.perf_counter()
    for chunk in chunks:
        book.submit_batch(*chunk)
    return time.perf_counter() - start


def _cpu_name() -> str:
    """CPU model from /proc/cpuinfo when there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    """Print per-call and batch events/s with the targets and references."""
    start = time.perf_counter()
    cols = make_stream()
    kinds = cols["kinds"]
    names = ("limit", "market", "cancel")
    mix = ", ".join(f"{name} {np.mean(kinds == k):.0%}" for k, name in enumerate(names))
    made = time.perf_counter() - start
    print(f"stream: {N_EVENTS:,} events ({mix}), seed {SEED}, generated in {made:.1f} s")
    print(f"machine: {_cpu_name()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, one core used")
    results = {}
    for name, replay, target in (
        ("per-call API", replay_per_call, TARGET_PER_CALL),
        ("submit_batch", replay_batch, TARGET_BATCH),
    ):
        runs = [replay(cols) for _ in range(REPEATS)]
        seconds, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        _, _, n_fills, book = runs[0]
        rate, cpu_rate = N_EVENTS / seconds, N_EVENTS / cpu
        results[name] = (n_fills, book.depth("buy", 5), book.depth("sell", 5))
        verdict = "meets" if rate >= target else "BELOW"
        print(f"{name:13s}: {rate:>12,.0f} events/s wall ({seconds:.3f} s), "
              f"{cpu_rate:>12,.0f} events/s CPU ({cpu * 1e9 / N_EVENTS:.0f} ns an event), "
              f"{n_fills:,} fills; target >= {target:,}/s: {verdict} on wall time")
    seconds = min(replay_small_batches(cols) for _ in range(REPEATS))
    print(f"submit_batch in chunks of {SMALL_BATCH} (one simulator step each): "
          f"{N_EVENTS / seconds:>12,.0f} events/s ({seconds / (N_EVENTS / SMALL_BATCH) * 1e6:.1f} "
          "us per call)")
    same = len({repr(v) for v in results.values()}) == 1
    print(f"per-call and batch end in the same book with the same fills: {same}")
    print(f"references: {REFERENCES}")


if __name__ == "__main__":
    main()
