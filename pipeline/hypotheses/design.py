"""Can a study of this shape reject at all? The smallest p it can reach, before any training.

Pure and cheap to import (no imports): config validation calls it before training starts.
- One replicate: seeds are the units and the test is the paired sign-flip, exact while
  2^n_seeds <= the default 9,999 resamples, so its floor is 1 / 2^n_seeds (Monte Carlo floor
  1 / 10,000 beyond). H3 with a reference arm uses the same test.
- n_replicates >= 2: the two-level crossed t-test (`pipeline.hypotheses.replicates`) has no
  floor: its p can be arbitrarily small, so the floor is 0 (it needs >= 2 seeds, as every test).
After Benjamini-Hochberg over n_tests, a hypothesis that is the only significant one of its family
has adjusted p = n_tests x p, so the study's smallest p is min(1, n_tests x floor): the level
each hypothesis must be able to beat on its own.
"""

from __future__ import annotations

DEFAULT_RESAMPLES = 9999  # keep equal to pipeline.hypotheses.resampling.DEFAULT_RESAMPLES


def _check(n_seeds: int, n_replicates: int, n_tests: int, alpha: float) -> None:
    """Raise ValueError naming the argument that is out of range."""
    for name, value in (("n_seeds", n_seeds), ("n_replicates", n_replicates), ("n_tests", n_tests)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def per_test_floor(*, n_seeds: int, n_replicates: int) -> float:
    """Smallest one-sided p one test of this shape can return (before any adjustment)."""
    if n_seeds < 2:
        return 1.0
    if n_replicates >= 2:
        return 0.0
    exact = 2.0**n_seeds <= DEFAULT_RESAMPLES
    return 1.0 / 2.0**n_seeds if exact else 1.0 / (DEFAULT_RESAMPLES + 1)


def study_min_p(*, n_seeds: int, n_replicates: int, n_tests: int, alpha: float) -> float:
    """The smallest p a hypothesis of this study can reach after BH over its n_tests."""
    _check(n_seeds, n_replicates, n_tests, alpha)
    return min(1.0, n_tests * per_test_floor(n_seeds=n_seeds, n_replicates=n_replicates))


def seeds_needed(*, n_tests: int, alpha: float) -> int:
    """Fewest seeds with which one replicate can reject after BH: n_tests / 2^n < alpha."""
    n = 2
    while n_tests / 2.0**n >= alpha:
        n += 1
    return n


def check_study_can_reject(*, n_seeds: int, n_replicates: int, n_tests: int, alpha: float) -> None:
    """Raise ValueError, saying the seeds or replicates it needs, if the study cannot reject."""
    min_p = study_min_p(n_seeds=n_seeds, n_replicates=n_replicates, n_tests=n_tests, alpha=alpha)
    if min_p < alpha:
        return
    shape = f"{n_seeds} seed(s) x {n_replicates} replicate(s)"
    if n_seeds < 2:
        raise ValueError(
            f"a study with {shape} cannot test anything: every test needs at least 2 seeds "
            f"(paired evaluation seeds); use >= {seeds_needed(n_tests=n_tests, alpha=alpha)} "
            "seeds with 1 replicate, or >= 2 seeds with >= 2 replicates"
        )
    raise ValueError(
        f"a study with {shape} cannot reject any of its {n_tests} test(s) at alpha {alpha}: "
        f"the sign-flip p over {n_seeds} seeds is at least 1/2^{n_seeds} = "
        f"{per_test_floor(n_seeds=n_seeds, n_replicates=n_replicates):.4g}, so after BH over "
        f"{n_tests} test(s) at least {min_p:.4g}; it needs >= "
        f"{seeds_needed(n_tests=n_tests, alpha=alpha)} seeds, or >= 2 replicates (replicate-level "
        "t-test, no floor; >= 5 recommended for power)"
    )
