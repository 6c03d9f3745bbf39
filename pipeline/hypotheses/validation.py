"""Validate the market and action tables and split them into per-seed numpy arrays.

Bad input raises ValueError naming the problem (never a silent drop): missing columns, unknown
scenarios, a seed in only one scenario, fewer than 2 seeds or agents, duplicate rows, NaN or
non-positive prices, NaN or negative spread/depth, actions outside {-1, 0, 1}, gaps in steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

SCENARIOS = ("rl", "baseline")
ACTIONS = (-1, 0, 1)


@dataclass(frozen=True)
class MarketRuns:
    """Per-seed arrays (in step order) of one market table, paired across the two scenarios."""

    seeds: NDArray[np.int64]
    runs: dict[str, list[dict[str, NDArray[np.float64]]]]  # scenario -> per seed -> column -> array


@dataclass(frozen=True)
class ActionPanels:
    """Per-seed action matrices (agents x steps), agents in sorted order."""

    seeds: NDArray[np.int64]
    agents: list[list[str]]
    actions: list[NDArray[np.int8]]


def require_columns(df: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Raise if `df` is not a non-empty DataFrame with every column in `columns`."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{table} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{table} is missing columns {missing} (has {list(df.columns)})")
    if len(df) == 0:
        raise ValueError(f"{table} has no rows")


def _int_column(df: pd.DataFrame, column: str, table: str) -> NDArray[np.int64]:
    """An integer column as int64 (seeds and steps identify rows, so floats or NaN are errors)."""
    series = df[column]
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.to_numpy(dtype=np.int64)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all() or (values != np.round(values)).any():
        raise ValueError(f"{table} column {column!r} must hold integers, got {series.dtype}")
    return values.astype(np.int64)


def _first_bad(df: pd.DataFrame, bad: NDArray[np.bool_], keys: Sequence[str]) -> str:
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
            f"(first at {_first_bad(df, bad, keys)}){hint}"
        )


def _check_duplicates(keys: list[NDArray[np.int64]], df: pd.DataFrame, names: list[str]) -> None:
    """Raise if two rows share the same key (the keys are sorted lexicographically already)."""
    same = np.ones(len(keys[0]) - 1, dtype=bool)
    for key in keys:
        same &= key[1:] == key[:-1]
    if same.any():
        raise ValueError(f"duplicate rows for ({', '.join(names)}); e.g. {int(same.sum())} repeats")


def market_runs(
    df: pd.DataFrame, columns: Sequence[str], table: str = "market table"
) -> MarketRuns:
    """Validate a market table and split `columns` into per-(scenario, seed) arrays by step."""
    keys = ["scenario", "seed", "step"]
    require_columns(df, [*keys, *columns], table)
    scenario = df["scenario"].astype(str).to_numpy()
    unknown = sorted(set(np.unique(scenario)) - set(SCENARIOS))
    if unknown:
        raise ValueError(f"{table} column 'scenario' has unknown values {unknown}; use {SCENARIOS}")
    seed = _int_column(df, "seed", table)
    step = _int_column(df, "step", table)
    seeds_by = {s: set(np.unique(seed[scenario == s]).tolist()) for s in SCENARIOS}
    for this, other in (SCENARIOS, SCENARIOS[::-1]):
        only = sorted(seeds_by[this] - seeds_by[other])
        if only:
            raise ValueError(f"{table}: seed(s) {only} present only in scenario {this!r}")
    seeds = np.array(sorted(seeds_by["rl"]), dtype=np.int64)
    if seeds.size < 2:
        raise ValueError(f"{table} needs at least 2 seeds per scenario, got {seeds.tolist()}")
    for column in columns:
        if column in ("mid", "spread", "depth"):
            _check_values(df, column, positive=column == "mid", keys=keys)
    code = (scenario == SCENARIOS[1]).astype(np.int64)
    order = np.lexsort((step, seed, code))
    code, seed = code[order], seed[order]
    _check_duplicates([code, seed, step[order]], df, keys)
    bounds = np.flatnonzero((np.diff(code) != 0) | (np.diff(seed) != 0)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(order)]])
    arrays = {c: _column_array(df, c)[order] for c in columns}
    runs: dict[str, list[dict[str, NDArray[np.float64]]]] = {s: [] for s in SCENARIOS}
    for start, end in zip(starts, ends, strict=True):
        runs[SCENARIOS[code[start]]].append({c: a[start:end] for c, a in arrays.items()})
    return MarketRuns(seeds=seeds, runs=runs)


def _column_array(df: pd.DataFrame, column: str) -> NDArray[np.float64]:
    """A value column as float64; the stress flag must be boolean-like without NaN."""
    if column != "stress":
        return df[column].to_numpy(dtype=np.float64, na_value=np.nan)
    flag = df[column]
    if flag.isna().any():
        raise ValueError(f"market table column 'stress' has {int(flag.isna().sum())} NaN values")
    values = pd.to_numeric(flag, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError("market table column 'stress' must be boolean (True/False or 1/0)")
    return values


def action_panels(df: pd.DataFrame, table: str = "action table") -> ActionPanels:
    """Validate an action table and return one agents x steps matrix of actions per seed."""
    keys = ["seed", "step", "agent"]
    require_columns(df, [*keys, "action"], table)
    action_f = pd.to_numeric(df["action"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = ~np.isin(action_f, ACTIONS)
    if bad.any():
        raise ValueError(
            f"{table} column 'action' must be -1, 0 or 1; {int(bad.sum())} rows are not "
            f"(first at {_first_bad(df, bad, keys)})"
        )
    seed = _int_column(df, "seed", table)
    step = _int_column(df, "step", table)
    agent_codes, agent_names = pd.factorize(df["agent"].astype(str), sort=True)
    seeds = np.unique(seed)
    if seeds.size < 2:
        raise ValueError(f"{table} needs at least 2 seeds, got {seeds.tolist()}")
    order = np.lexsort((step, agent_codes, seed))
    seed, step, agent_codes = seed[order], step[order], agent_codes[order]
    _check_duplicates([seed, agent_codes.astype(np.int64), step], df, keys)
    action = action_f[order].astype(np.int8)
    bounds = np.flatnonzero(np.diff(seed) != 0) + 1
    agents: list[list[str]] = []
    matrices: list[NDArray[np.int8]] = []
    for lo, hi, s in zip(np.r_[0, bounds], np.r_[bounds, len(order)], seeds, strict=True):
        codes = np.unique(agent_codes[lo:hi])
        if codes.size < 2:
            raise ValueError(f"{table}: seed {s} has {codes.size} agent(s); herding needs >= 2")
        n_steps = (hi - lo) // codes.size
        steps = step[lo:hi]
        if (
            n_steps * codes.size != hi - lo
            or not (steps.reshape(codes.size, n_steps) == steps[:n_steps]).all()
        ):
            raise ValueError(f"{table}: seed {s} agents do not share the same steps (gaps?)")
        agents.append([str(agent_names[c]) for c in codes])
        matrices.append(action[lo:hi].reshape(codes.size, n_steps))
    return ActionPanels(seeds=seeds.astype(np.int64), agents=agents, actions=matrices)
