"""Metrics of the evaluation tables: one-sided spreads, per-episode metrics, stylized facts,
and the seed-averaged MLflow summary (eval/<condition>/<scenario>/<agent|market>/<metric>)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pipeline.evaluate import Evaluation

MARKET_COLUMNS = ["scenario", "seed", "step", "mid", "spread", "depth", "stress", "condition"]
SAVED_MARKET_COLUMNS = [*MARKET_COLUMNS, "one_sided", "replicate"]
UNIT_COLUMNS = ("seed", "replicate")


def fill_one_sided_spread(market: pd.DataFrame) -> pd.DataFrame:
    """Give steps with an empty book side (spread undefined, NaN) the widest spread of the seed.

    The widest finite spread of that seed and condition, over both scenarios, so paired runs
    get the same value; a one-sided book is at least that illiquid. ``one_sided`` keeps the flag.
    """
    table = market.copy()
    table["one_sided"] = table["spread"].isna()
    if "replicate" not in table:
        table["replicate"] = 0
    widest = table.groupby(["condition", "seed"])["spread"].transform("max")
    table["spread"] = table["spread"].fillna(widest)
    still = table["spread"].isna()
    if still.any():  # a whole seed without a two-sided book: no finite spread to borrow
        first = table.loc[still].iloc[0]
        raise ValueError(
            f"spread undefined for a whole episode (condition={first['condition']}, "
            f"seed={first['seed']}): the book never had both sides"
        )
    return table[SAVED_MARKET_COLUMNS]


def episode_agent_metrics(agent_record: pd.DataFrame, market_record: pd.DataFrame) -> pd.DataFrame:
    from market.metrics import agent_metrics

    metrics = agent_metrics(agent_record, market_record)
    return metrics.reset_index()


def episode_market_metrics(
    market_record: pd.DataFrame, scenario: str, seed: int, condition: str
) -> dict[str, Any]:
    from market.metrics import market_metrics

    values = {k: v for k, v in market_metrics(market_record).items() if _is_number(v)}
    return {"scenario": scenario, "seed": seed, "condition": condition, **values}


def log_returns(market: pd.DataFrame) -> np.ndarray:
    """Log mid returns within each seed, concatenated (no return spans two episodes)."""
    parts = [
        np.diff(np.log(group.sort_values("step")["mid"].to_numpy(dtype=np.float64)))
        for _, group in market.groupby([c for c in UNIT_COLUMNS if c in market])
    ]
    returns = np.concatenate(parts) if parts else np.empty(0)
    return returns[np.isfinite(returns)]


def stylized_by_scenario(market: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Stylized facts of the returns per "<condition>/<scenario>", flattened to floats."""
    from market.stylized import stylized_facts

    out: dict[str, dict[str, float]] = {}
    for (condition, scenario), group in market.groupby(["condition", "scenario"]):
        if scenario == "baseline" and "replicate" in group:  # repeated per replicate: once
            group = group[group["replicate"] == group["replicate"].min()]
        try:
            facts = stylized_facts(log_returns(group))
        except ValueError as err:  # too few or constant returns: say so, do not invent numbers
            print(f"[evaluate] stylized facts {condition}/{scenario} undefined: {err}")
            continue
        flat = {k: float(v) for k, v in facts.items() if _is_number(v)}
        flat.update({f"acf_abs_lag{lag}": float(v) for lag, v in facts["acf_abs_returns"].items()})
        out[f"{condition}/{scenario}"] = flat
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def summary_metrics(evaluation: Evaluation) -> dict[str, float]:
    """Seed-averaged metrics for MLflow: eval/<condition>/<scenario>/<agent|market>/<metric>."""
    metrics: dict[str, float] = {}
    agents = evaluation.agent_metrics
    numeric = [c for c in agents.select_dtypes("number").columns if c not in UNIT_COLUMNS]
    means = agents.groupby(["condition", "scenario", "agent"])[numeric].mean()
    for index, row in means.iterrows():
        prefix = "/".join(str(part) for part in _parts(index))  # condition/scenario/agent
        for name, value in row.items():
            metrics[f"eval/{prefix}/{name}"] = float(value)
    market = evaluation.market_metrics
    numeric = [c for c in market.select_dtypes("number").columns if c not in UNIT_COLUMNS]
    market_means = market.groupby(["condition", "scenario"])[numeric].mean()
    for index, row in market_means.iterrows():
        prefix = "/".join(str(part) for part in _parts(index))  # condition/scenario
        for name, value in row.items():
            metrics[f"eval/{prefix}/market/{name}"] = float(value)
    for key, facts in evaluation.stylized.items():
        for name, value in facts.items():
            metrics[f"eval/{key}/stylized/{name}"] = value
    return {k: v for k, v in metrics.items() if math.isfinite(v)}


def _parts(index: Any) -> tuple[Any, ...]:
    return tuple(index) if isinstance(index, tuple) else (index,)
