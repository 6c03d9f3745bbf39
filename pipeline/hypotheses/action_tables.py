"""Validate the action table and split it into per-unit action matrices (unit = replicate x seed).

Rows are `seed, step, agent, action` with optional `replicate`, `scenario` ("rl" | "baseline": the
herding reference traders in the RL agents' slots) and `style`. Bad input raises ValueError naming
the problem: actions outside {-1, 0, 1}, fewer than 2 seeds or agents, duplicate rows, gaps in
steps, a reference arm whose agents or steps differ from the RL arm's, an agent with two styles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipeline.hypotheses.validation import (
    SCENARIOS,
    check_crossed,
    check_duplicates,
    first_bad,
    int_column,
    replicate_column,
    require_columns,
    scenario_codes,
)

ACTIONS = (-1, 0, 1)


@dataclass(frozen=True)
class ActionUnit:
    """One replicate x seed: agents x steps matrices of the RL arm and (if any) the reference."""

    replicate: int
    seed: int
    agents: list[str]
    rl: NDArray[np.int8]
    reference: NDArray[np.int8] | None


@dataclass(frozen=True)
class ActionUnits:
    """All units of an action table, replicate-major and seed-minor, with the agents' styles."""

    seeds: NDArray[np.int64]
    replicates: NDArray[np.int64]
    units: list[ActionUnit]
    styles: dict[str, str] | None  # None: the table has no `style` column (styles unknown)

    @property
    def has_reference(self) -> bool:
        """Whether the table carries reference ("baseline") rows."""
        return self.units[0].reference is not None


def _actions(df: pd.DataFrame, table: str) -> NDArray[np.int8]:
    """The action column as int8, raising on anything outside {-1, 0, 1}."""
    values = pd.to_numeric(df["action"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = ~np.isin(values, ACTIONS)
    if bad.any():
        raise ValueError(
            f"{table} column 'action' must be -1, 0 or 1; {int(bad.sum())} rows are not "
            f"(first at {first_bad(df, bad, ['seed', 'step', 'agent'])})"
        )
    return values.astype(np.int8)


def _scenarios(df: pd.DataFrame, table: str) -> NDArray[np.int64]:
    """0 for "rl" rows (all rows without a scenario column), 1 for "baseline" rows."""
    if "scenario" not in df.columns:
        return np.zeros(len(df), dtype=np.int64)
    code = scenario_codes(df["scenario"], table)
    if code.all():
        raise ValueError(f"{table} has only 'baseline' rows: the RL agents' rows are missing")
    return code


def _styles(df: pd.DataFrame, table: str) -> dict[str, str] | None:
    """Agent -> style from the optional `style` column (NaN rows, e.g. reference rows, skipped).

    Raise if an agent has two styles or none at all.
    """
    if "style" not in df.columns:
        return None
    agents = df["agent"].astype(str)
    known = df["style"].notna()
    per_agent = df.loc[known, "style"].astype(str).groupby(agents[known]).unique()
    mixed = {a: sorted(s) for a, s in per_agent.items() if len(s) > 1}
    if mixed:
        raise ValueError(f"{table}: agent(s) with more than one style {mixed}")
    missing = sorted(set(agents.unique()) - set(per_agent.index))
    if missing:
        raise ValueError(f"{table} column 'style' is empty (NaN) for agent(s) {missing}")
    return {str(a): str(s[0]) for a, s in per_agent.items()}


def _matrix(
    steps: NDArray[np.int64], actions: NDArray[np.int8], n_agents: int, where: str
) -> tuple[NDArray[np.int8], NDArray[np.int64]]:
    """Reshape one group's rows (sorted by agent, step) to agents x steps; raise on gaps."""
    n_steps = steps.size // n_agents
    if (
        n_steps * n_agents != steps.size
        or not (steps.reshape(n_agents, n_steps) == steps[:n_steps]).all()
    ):
        raise ValueError(f"{where}: agents do not share the same steps (gaps?)")
    return actions.reshape(n_agents, n_steps), steps[:n_steps]


def action_units(df: pd.DataFrame, table: str = "action table") -> ActionUnits:
    """Validate an action table and return its per-unit RL (and reference) action matrices."""
    require_columns(df, ["seed", "step", "agent", "action"], table)
    action = _actions(df, table)
    code = _scenarios(df, table)
    seed = int_column(df, "seed", table)
    step = int_column(df, "step", table)
    rep = replicate_column(df, table)
    agent_codes, agent_names = pd.factorize(df["agent"].astype(str), sort=True)
    styles = _styles(df, table)
    seeds, reps = np.unique(pd.unique(seed)), np.unique(pd.unique(rep))
    if pd.unique(seed[code == 0]).size < 2:
        raise ValueError(f"{table} needs at least 2 seeds, got {seeds.tolist()}")
    order = np.lexsort((step, agent_codes, seed, rep, code))
    code, rep, seed, step = code[order], rep[order], seed[order], step[order]
    agent_codes, action = agent_codes[order].astype(np.int64), action[order]
    check_duplicates(
        [code, rep, seed, agent_codes, step], ["scenario", "replicate", "seed", "agent", "step"]
    )
    change = (np.diff(code) != 0) | (np.diff(rep) != 0) | (np.diff(seed) != 0)
    starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    ends = np.concatenate([starts[1:], [len(order)]])
    groups: dict[tuple[int, int, int], tuple[list[str], NDArray[np.int8], NDArray[np.int64]]] = {}
    for lo, hi in zip(starts, ends, strict=True):
        key = (int(code[lo]), int(rep[lo]), int(seed[lo]))
        where = f"{table}: {SCENARIOS[key[0]]} replicate {key[1]} seed {key[2]}"
        codes = np.unique(agent_codes[lo:hi])
        if codes.size < 2:
            raise ValueError(f"{where} has {codes.size} agent(s); herding needs >= 2")
        matrix, steps = _matrix(step[lo:hi], action[lo:hi], codes.size, where)
        groups[key] = ([str(agent_names[c]) for c in codes], matrix, steps)
    has_reference = bool((code == 1).any())
    rl_units = {(r, s) for c, r, s in groups if c == 0}
    check_crossed(rl_units, reps, seeds, f"{table} 'rl' rows")
    orphans = sorted({(r, s) for c, r, s in groups if c == 1} - rl_units)
    if orphans:
        raise ValueError(
            f"{table}: 'baseline' rows without 'rl' rows for (replicate, seed) {orphans}"
        )
    return ActionUnits(
        seeds=seeds.astype(np.int64),
        replicates=reps.astype(np.int64),
        units=[_unit(groups, int(r), int(s), has_reference, table) for r in reps for s in seeds],
        styles=styles,
    )


def _unit(groups: dict, replicate: int, seed: int, has_reference: bool, table: str) -> ActionUnit:
    """Pair the RL and reference groups of one unit, checking they cover the same slots."""
    agents, rl, steps = groups[(0, replicate, seed)]
    if not has_reference:
        return ActionUnit(replicate, seed, agents, rl, None)
    where = f"{table}: replicate {replicate} seed {seed}"
    if (1, replicate, seed) not in groups:
        raise ValueError(f"{where} has 'rl' rows but no 'baseline' (reference) rows")
    ref_agents, ref, ref_steps = groups[(1, replicate, seed)]
    if ref_agents != agents:
        raise ValueError(f"{where}: reference agents {ref_agents} differ from rl agents {agents}")
    if not np.array_equal(ref_steps, steps):
        raise ValueError(f"{where}: reference and rl rows cover different steps")
    return ActionUnit(replicate, seed, agents, rl, ref)
