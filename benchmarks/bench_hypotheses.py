"""Time each hypothesis test on 30 seeds x 2 scenarios x 5,000 steps (3 agents for herding).

Also a replicated study: K = 8 trained policies on the same 30 seeds x 1,000 steps (the two-level
crossed test), with the herding reference arm. Target: < 2 s per test and table.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.hypotheses import herding, liquidity_impact, volatility_amplification
from pipeline.hypotheses.synthetic import synthetic_market
from pipeline.hypotheses.synthetic_herding import synthetic_herding

N_SEEDS = 30
N_STEPS = 5_000
N_REPLICATES = 8
REPLICATED_STEPS = 1_000
TARGET_S = 2.0
REPEATS = 3


def _best_time(func: Callable[[pd.DataFrame], object], table: pd.DataFrame) -> float:
    """Best wall time of REPEATS calls (default number of resamples)."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func(table)
        times.append(time.perf_counter() - start)
    return min(times)


def _tables(rng: np.random.Generator, n_replicates: int, n_steps: int) -> tuple:
    """A market table and an action table (rl + reference arms) of one study shape."""
    third = n_steps // 5
    windows = ((third, n_steps // 50), (2 * third, n_steps // 50), (4 * third, n_steps // 50))
    market = synthetic_market(
        rng,
        n_seeds=N_SEEDS,
        n_steps=n_steps,
        windows=windows,
        n_replicates=n_replicates,
        replicate_sd=0.1 if n_replicates > 1 else 0.0,
    )
    actions = synthetic_herding(
        rng, n_seeds=N_SEEDS, n_steps=n_steps, n_replicates=n_replicates, replicate_sd=0.03
    )
    return market, actions


def main() -> None:
    """Print the time of each test next to its 2 s target, single and replicated studies."""
    rng = np.random.default_rng(0)
    for k, n_steps in ((1, N_STEPS), (N_REPLICATES, REPLICATED_STEPS)):
        market, actions = _tables(rng, k, n_steps)
        print(
            f"tables: {k} replicate(s) x {N_SEEDS} seeds x {n_steps:,} steps: market "
            f"{len(market):,} rows, actions {len(actions):,} rows (3 agents, rl + reference); "
            "default 9,999 resamples"
        )
        cases: list[tuple[str, Callable[[pd.DataFrame], object], pd.DataFrame]] = [
            ("volatility_amplification", volatility_amplification, market),
            ("liquidity_impact", liquidity_impact, market),
            ("herding", herding, actions),
        ]
        for name, func, table in cases:
            seconds = _best_time(func, table)
            verdict = "ok" if seconds < TARGET_S else "SLOW"
            print(f"  {name:26s} {seconds:7.3f} s  (target < {TARGET_S:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
