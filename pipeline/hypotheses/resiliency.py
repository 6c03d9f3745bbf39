"""H2's secondary statistic: how many steps the book takes to recover after a stress window.

Recovered = spread <= 1.1 x and depth >= 0.9 x their median over the (up to) 100 non-stress steps
before the window. A window that has not recovered by the end of its recovery period (the next
window's start or the episode end) is censored there: it counts with that many steps and is
flagged, never dropped, so a market that never recovers cannot look resilient.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pipeline.hypotheses.validation import SCENARIOS, MarketRuns

PRE_STRESS_STEPS = 100
RECOVERY_TOLERANCE = 0.10
Run = dict[str, NDArray[np.float64]]


def _windows(stress: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start and end (exclusive) indices of contiguous stress runs."""
    padded = np.concatenate([[0], (stress > 0.5).astype(np.int8), [0]])
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def recovery_matrix(
    spread: NDArray[np.float64], depth: NDArray[np.float64], stress: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_], int]:
    """Runs x windows recovery steps and censoring flags for runs sharing one stress pattern.

    spread and depth are (runs, steps). A window with no non-stress steps before it has no
    reference level and is skipped (counted once per run).
    """
    starts, ends = _windows(stress)
    steps, censored = [], []
    skipped = 0
    prev_end = 0
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        pre = slice(max(prev_end, start - PRE_STRESS_STEPS), start)
        next_start = starts[i + 1] if i + 1 < starts.size else spread.shape[1]
        prev_end = end
        if pre.start >= pre.stop:
            skipped += spread.shape[0]
            continue
        ref_spread = np.median(spread[:, pre], axis=1, keepdims=True)
        ref_depth = np.median(depth[:, pre], axis=1, keepdims=True)
        ok = (spread[:, end:next_start] <= (1.0 + RECOVERY_TOLERANCE) * ref_spread) & (
            depth[:, end:next_start] >= (1.0 - RECOVERY_TOLERANCE) * ref_depth
        )
        recovered = ok.any(axis=1)
        steps.append(np.where(recovered, np.argmax(ok, axis=1), next_start - end))
        censored.append(~recovered)
    n = spread.shape[0]
    if not steps:
        return np.zeros((n, 0)), np.zeros((n, 0), dtype=bool), skipped
    return np.stack(steps, axis=1).astype(np.float64), np.stack(censored, axis=1), skipped


def recovery_steps(run: Run) -> tuple[list[float], list[bool], int]:
    """Per stress window of one run: steps to recover, whether censored; windows skipped."""
    steps, censored, skipped = recovery_matrix(
        run["spread"][None], run["depth"][None], run["stress"]
    )
    return steps[0].tolist(), censored[0].tolist(), skipped


def _scenario_recovery(runs: list[Run]) -> tuple[list[NDArray[np.float64]], int, int]:
    """Per run recovery steps (runs with the same stress pattern batched) and the counts."""
    groups: dict[bytes, list[int]] = {}
    for u, run in enumerate(runs):
        groups.setdefault((run["stress"] > 0.5).tobytes(), []).append(u)
    per_run: list[NDArray[np.float64]] = [np.zeros(0)] * len(runs)
    n_censored = skipped = 0
    for members in groups.values():
        stress = runs[members[0]]["stress"]
        steps, censored, n_skipped = recovery_matrix(
            np.stack([runs[u]["spread"] for u in members]),
            np.stack([runs[u]["depth"] for u in members]),
            stress,
        )
        n_censored += int(censored.sum())
        skipped += n_skipped
        for row, u in enumerate(members):
            per_run[u] = steps[row]
    return per_run, n_censored, skipped


def resiliency_summary(runs: MarketRuns) -> dict[str, float | int | str]:
    """Mean recovery steps per scenario (censored kept), paired difference, counts."""
    unit_means: dict[str, NDArray[np.float64]] = {}
    summary: dict[str, float | int | str] = {}
    skipped = 0
    for scenario in SCENARIOS:
        per_run, n_censored, n_skipped = _scenario_recovery(runs.runs[scenario])
        skipped += n_skipped
        all_steps = np.concatenate(per_run)
        unit_means[scenario] = np.array([r.mean() if r.size else np.nan for r in per_run])
        summary[f"resiliency_{scenario}_mean_steps"] = (
            float(all_steps.mean()) if all_steps.size else float("nan")
        )
        summary[f"resiliency_{scenario}_windows"] = int(all_steps.size)
        summary[f"resiliency_{scenario}_never_recovered"] = n_censored
    diff = unit_means["rl"] - unit_means["baseline"]
    summary["resiliency_mean_extra_steps_rl"] = (
        float(np.nanmean(diff)) if np.isfinite(diff).any() else float("nan")
    )
    summary["resiliency_windows_without_pre_stress"] = skipped
    summary["resiliency_censoring"] = "never-recovered windows count until their period's end"
    return summary
