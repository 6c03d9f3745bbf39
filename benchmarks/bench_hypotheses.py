"""Time each hypothesis test on 30 seeds x 2 scenarios x 5,000 steps (3 agents for herding)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.hypotheses import herding, liquidity_impact, volatility_amplification
from pipeline.hypotheses.synthetic import synthetic_actions, synthetic_market

N_SEEDS = 30
N_STEPS = 5_000
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


def main() -> None:
    """Print the time of each test next to its 2 s target."""
    rng = np.random.default_rng(0)
    windows = ((1_000, 100), (2_500, 100), (4_000, 100))
    market = synthetic_market(rng, n_seeds=N_SEEDS, n_steps=N_STEPS, windows=windows)
    actions = synthetic_actions(rng, n_seeds=N_SEEDS, n_steps=N_STEPS)
    print(
        f"tables: market {len(market):,} rows ({N_SEEDS} seeds x 2 scenarios x {N_STEPS:,} "
        f"steps), actions {len(actions):,} rows (3 agents); default 9,999 resamples"
    )
    cases: list[tuple[str, Callable[[pd.DataFrame], object], pd.DataFrame]] = [
        ("volatility_amplification", volatility_amplification, market),
        ("liquidity_impact", liquidity_impact, market),
        ("herding", herding, actions),
    ]
    for name, func, table in cases:
        seconds = _best_time(func, table)
        verdict = "ok" if seconds < TARGET_S else "SLOW"
        print(f"{name:26s} {seconds:7.3f} s  (target < {TARGET_S:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
