"""Validate the market table and split it into per-unit numpy arrays (unit = replicate x seed).

Bad input raises ValueError naming the problem (never a silent drop): missing columns, unknown
scenarios, a seed in only one scenario, fewer than 2 seeds, duplicate rows, NaN or non-positive
prices, NaN or negative spread/depth, non-boolean flags, and replicates that do not all hold the
same seeds in both scenarios (the two-level tests need the crossed replicate x seed grid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

SCENARIOS = ("rl", "baseline")
FLAGS = ("stress", "one_sided")


@dataclass(frozen=True)
class MarketRuns:
    """Per-unit arrays (in step order) of one market table, paired across the two scenarios.

    Units are ordered replicate-major, seed-minor: unit u is (replicates[u // S], seeds[u % S]).
    A table without a `replicate` column has one replicate, id 0.
    """

    seeds: NDArray[np.int64]
    replicates: NDArray[np.int64]
    runs: dict[str, list[dict[str, NDArray[np.float64]]]]  # scenario -> per unit -> column -> array
    columns: tuple[str, ...]

    @property
    def n_units(self) -> int:
        """Replicates x seeds."""
        return int(self.seeds.size * self.replicates.size)


def require_columns(df: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Raise if `df` is not a non-empty DataFrame with every column in `columns`."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{table} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{table} is missing columns {missing} (has {list(df.columns)})")
    if len(df) == 0:
        raise ValueError(f"{table} has no rows")


def int_column(df: pd.DataFrame, column: str, table: str) -> NDArray[np.int64]:
    """An integer column as int64 (seeds and steps identify rows, so floats or NaN are errors)."""
    series = df[column]
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.to_numpy(dtype=np.int64)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all() or (values != np.round(values)).any():
        raise ValueError(f"{table} column {column!r} must hold integers, got {series.dtype}")
    return values.astype(np.int64)


def replicate_column(df: pd.DataFrame, table: str) -> NDArray[np.int64]:
    """The `replicate` column (ints >= 0), or all zeros when the table has none."""
    if "replicate" not in df.columns:
        return np.zeros(len(df), dtype=np.int64)
    rep = int_column(df, "replicate", table)
    if (rep < 0).any():
        raise ValueError(f"{table} column 'replicate' must be >= 0, got {int(rep.min())}")
    return rep


def first_bad(df: pd.DataFrame, bad: NDArray[np.bool_], keys: Sequence[str]) -> str:
    """Describe the first offending row by its key columns."""
    row = df.iloc[int(np.argmax(bad))]
    values = {k: row[k].item() if isinstance(row[k], np.generic) else row[k] for k in keys}
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def _check_values(df: pd.DataFrame, column: str, positive: bool, keys: Sequence[str]) -> None:
    """Raise on NaN, and on non-positive (prices) or negative (spread, depth) values."""
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | ((values <= 0.0) if positive else (values < 0.0))
    if bad.any():
        rule = "> 0" if positive else ">= 0"
        hint = "" if positive else "; an empty book side? fill it upstream (e.g. last valid value)"
        raise ValueError(
            f"market table column {column!r} has {int(bad.sum())} NaN or values not {rule} "
            f"(first at {first_bad(df, bad, keys)}){hint}"
        )


def check_duplicates(keys: list[NDArray[np.int64]], names: list[str]) -> None:
    """Raise if two rows share the same key (the keys are sorted lexicographically already)."""
    same = np.ones(len(keys[0]) - 1, dtype=bool)
    for key in keys:
        same &= key[1:] == key[:-1]
    if same.any():
        raise ValueError(f"duplicate rows for ({', '.join(names)}); e.g. {int(same.sum())} repeats")


def check_crossed(
    present: set[tuple[int, int]], reps: NDArray[np.int64], seeds: NDArray[np.int64], what: str
) -> None:
    """Raise unless every replicate holds every seed (the crossed replicate x seed design)."""
    for r in reps.tolist():
        missing = [s for s in seeds.tolist() if (r, s) not in present]
        if missing:
            raise ValueError(
                f"{what}: replicate {r} lacks seed(s) {missing}; every replicate must hold the "
                f"same seeds {seeds.tolist()}"
            )


def scenario_codes(series: pd.Series, table: str) -> NDArray[np.int64]:
    """0 for "rl", 1 for "baseline"; raise on any other label (hash-based, no string sort)."""
    codes, labels = pd.factorize(series)
    names = [str(v) for v in labels]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown or (codes < 0).any():
        unknown = unknown or ["NaN"]
        raise ValueError(f"{table} column 'scenario' has unknown values {unknown}; use {SCENARIOS}")
    lookup = np.array([SCENARIOS.index(n) for n in names], dtype=np.int64)
    return lookup[codes]


def _check_paired_seeds(code: NDArray[np.int64], seed: NDArray[np.int64], table: str) -> None:
    """Raise if a seed appears in one scenario only, or if fewer than 2 seeds are paired."""
    seeds_by = {s: set(pd.unique(seed[code == i]).tolist()) for i, s in enumerate(SCENARIOS)}
    for this, other in (SCENARIOS, SCENARIOS[::-1]):
        only = sorted(seeds_by[this] - seeds_by[other])
        if only:
            raise ValueError(f"{table}: seed(s) {only} present only in scenario {this!r}")
    if len(seeds_by["rl"]) < 2:
        raise ValueError(
            f"{table} needs at least 2 seeds per scenario, got {sorted(seeds_by['rl'])}"
        )


def market_runs(
    df: pd.DataFrame,
    columns: Sequence[str],
    table: str = "market table",
    optional: Sequence[str] = (),
) -> MarketRuns:
    """Validate a market table; split `columns` (+ present `optional`) per (scenario, unit)."""
    keys = ["scenario", "seed", "step"]
    require_columns(df, [*keys, *columns], table)
    used = (*columns, *(c for c in optional if c in df.columns and c not in columns))
    code = scenario_codes(df["scenario"], table)
    seed = int_column(df, "seed", table)
    step = int_column(df, "step", table)
    rep = replicate_column(df, table)
    _check_paired_seeds(code, seed, table)
    for column in used:
        if column in ("mid", "spread", "depth"):
            _check_values(df, column, positive=column == "mid", keys=keys)
    order = np.lexsort((step, seed, rep, code))
    code, rep, seed = code[order], rep[order], seed[order]
    check_duplicates([code, rep, seed, step[order]], ["scenario", "replicate", "seed", "step"])
    change = (np.diff(code) != 0) | (np.diff(rep) != 0) | (np.diff(seed) != 0)
    starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    ends = np.concatenate([starts[1:], [len(order)]])
    seeds, reps = np.unique(seed[starts]), np.unique(rep[starts])
    for c in range(2):
        first = starts[code[starts] == c]
        present = set(zip(rep[first].tolist(), seed[first].tolist(), strict=True))
        check_crossed(present, reps, seeds, f"{table} scenario {SCENARIOS[c]!r}")
    arrays = {c: _column_array(df, c, table)[order] for c in used}
    runs: dict[str, list[dict[str, NDArray[np.float64]]]] = {s: [] for s in SCENARIOS}
    for start, end in zip(starts, ends, strict=True):
        runs[SCENARIOS[code[start]]].append({c: a[start:end] for c, a in arrays.items()})
    return MarketRuns(seeds=seeds, replicates=reps, runs=runs, columns=tuple(used))


def _column_array(df: pd.DataFrame, column: str, table: str) -> NDArray[np.float64]:
    """A value column as float64; flags (stress, one_sided) must be boolean-like without NaN."""
    if column not in FLAGS:
        return df[column].to_numpy(dtype=np.float64, na_value=np.nan)
    flag = df[column]
    if flag.isna().any():
        raise ValueError(f"{table} column {column!r} has {int(flag.isna().sum())} NaN values")
    if pd.api.types.is_bool_dtype(flag.dtype):
        return flag.to_numpy(dtype=np.float64)
    values = pd.to_numeric(flag, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"{table} column {column!r} must be boolean (True/False or 1/0)")
    return values
