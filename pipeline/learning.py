"""Did the agents learn? Each trained policy against three stand-ins in its own slot.

For every replicate and policy, on the configured market and the same paired seeds, the
policy's slots are driven by a stand-in while every other agent keeps its trained policy:
uniform ``random`` (a seeded generator per evaluation seed, the same for every replicate),
always-``hold``, and the style's ``rule_based`` counterpart (market.agents.counterparts).
Per arm: PnL (summed over the policy's agents), Sharpe, trade frequency and hold share.

The test of "trained beats X" takes the replicates as the units: per replicate, the mean over
seeds of PnL(trained) - PnL(X); then a one-sided exact sign-flip permutation test of the mean
of those K differences (scipy.stats.permutation_test). Its smallest p is 1/2^K (K = 5 gives
0.031), so fewer than 5 replicates can never show learning at 0.05. With one replicate the
units are the seeds (a statement about one trained policy, said in ``method``).
A policy ``learned`` when it beats both random and hold at alpha.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.rollout import EpisodeSpec

if TYPE_CHECKING:
    from pipeline.evaluate import Episode, _Setup

TRAINED = "trained"
STAND_INS = ("random", "hold", "rule_based")
REQUIRED = ("random", "hold")  # "learned" = beats both
LEARNING_COLUMNS = [
    "replicate", "policy", "arm", "seed", "pnl", "sharpe", "trade_frequency", "hold_share",
]
EXACT_LIMIT = 16  # up to 2^16 sign patterns enumerated exactly


def _stand_in(setup: _Setup, arm: str, seed: int) -> Any:
    from pipeline.action_sources import HoldActions, RandomActions, RuleBasedActions
    from pipeline.evaluate import RANDOM_STREAM, stand_in_rng, styles_of

    factories = {
        "random": lambda: RandomActions(stand_in_rng(setup.conf, seed, RANDOM_STREAM)),
        "hold": HoldActions,
        "rule_based": lambda: RuleBasedActions(styles_of(setup.conf)),
    }
    return factories[arm]()


def arm_metrics(episode: Episode, agents: list[str]) -> dict[str, float]:
    """PnL (sum), Sharpe, trade frequency and hold share (means) of ``agents`` in one episode."""
    from pipeline.eval_metrics import episode_agent_metrics

    market, record = episode
    metrics = episode_agent_metrics(record, market).set_index("agent").loc[agents]
    mine = record[record["agent"].isin(agents)]
    return {
        "pnl": float(metrics["pnl"].sum()),
        "sharpe": float(metrics["sharpe"].mean()),
        "trade_frequency": float(metrics["trade_frequency"].mean()),
        "hold_share": float((mine["action"] == 0).mean()),
    }


def learning_table(setup: _Setup, rl: dict[tuple[int, int], Episode]) -> pd.DataFrame:
    """One row per replicate, policy, arm (trained + stand-ins) and seed."""
    rows = []
    for replicate, mapping in sorted(setup.mappings.items()):
        policies = sorted(set(mapping.values()))
        keys, specs = [], []
        for policy in policies:
            slot = sorted(a for a, m in mapping.items() if m == policy)
            others = {a: (replicate, m) for a, m in mapping.items() if m != policy}
            for seed in setup.seeds:
                rows.append({"replicate": replicate, "policy": policy, "arm": TRAINED,
                             "seed": seed, **arm_metrics(rl[(replicate, seed)], slot)})
                for arm in STAND_INS:
                    keys.append((policy, slot, arm, seed))
                    specs.append(EpisodeSpec(seed, others, _stand_in(setup, arm, seed)))
        for (policy, slot, arm, seed), episode in zip(keys, setup.run(specs), strict=True):
            rows.append({"replicate": replicate, "policy": policy, "arm": arm, "seed": seed,
                         **arm_metrics(episode, slot)})
    return pd.DataFrame(rows, columns=LEARNING_COLUMNS)


def _mean_diff(x: np.ndarray, axis: int = -1) -> Any:
    return np.mean(x, axis=axis)


def beats(differences: np.ndarray) -> float:
    """One-sided p of "mean difference > 0": exact sign-flip permutation test."""
    diffs = np.asarray(differences, dtype=np.float64)
    if diffs.size < 2 or np.allclose(diffs, 0.0):
        return 1.0
    resamples = math.inf if diffs.size <= EXACT_LIMIT else 9999
    result = stats.permutation_test(
        (diffs,), _mean_diff, permutation_type="samples", alternative="greater",
        n_resamples=resamples, random_state=np.random.default_rng(0),
    )
    return float(result.pvalue)


def comparisons(learning: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per policy and stand-in: mean PnL difference, units, p-value and whether trained wins."""
    if learning.empty:
        return pd.DataFrame()
    n_replicates = learning["replicate"].nunique()
    unit = "replicate" if n_replicates > 1 else "seed"
    wide = learning.pivot_table(index=["policy", "replicate", "seed"], columns="arm",
                                values="pnl").reset_index()
    rows = []
    for policy, group in wide.groupby("policy"):
        for arm in STAND_INS:
            diff = group.assign(diff=group[TRAINED] - group[arm])
            units = diff.groupby(unit)["diff"].mean().to_numpy()
            p = beats(units)
            rows.append({
                "policy": policy, "baseline": arm, "pnl_diff": float(units.mean()),
                "p_value": p, "beats": bool(p < alpha), "n": int(units.size), "unit": unit,
                "min_attainable_p": 1.0 / 2 ** min(units.size, 60),
            })
    return pd.DataFrame(rows)


def method(learning: pd.DataFrame) -> str:
    """The sentence the report prints under the learning table."""
    k = learning["replicate"].nunique() if not learning.empty else 0
    units = f"{k} replicates" if k > 1 else "seeds (one trained replicate)"
    return (
        "Trained minus stand-in PnL in the policy's own slots on the same paired seeds; "
        f"one-sided exact sign-flip permutation test of the mean difference over {units} "
        "(scipy.stats.permutation_test); the smallest attainable p is 1/2^units."
    )


def learned(table: pd.DataFrame) -> dict[str, bool]:
    """Per policy: beats both random and hold at alpha."""
    if table.empty:
        return {}
    wins = table[table["baseline"].isin(REQUIRED)].groupby("policy")["beats"].all()
    return {str(policy): bool(value) for policy, value in wins.items()}


def learning_metrics(table: pd.DataFrame) -> dict[str, float]:
    """learning/<policy>/<baseline>/{pnl_diff,p_value} and learning/<policy>/learned."""
    metrics: dict[str, float] = {}
    for row in table.to_dict("records"):
        prefix = f"learning/{row['policy']}/{row['baseline']}"
        metrics[f"{prefix}/pnl_diff"] = float(row["pnl_diff"])
        metrics[f"{prefix}/p_value"] = float(row["p_value"])
    for policy, value in learned(table).items():
        metrics[f"learning/{policy}/learned"] = float(value)
    return metrics


def arm_summary(learning: pd.DataFrame) -> pd.DataFrame:
    """Mean PnL, Sharpe, trade frequency and hold share per policy and arm (report table)."""
    if learning.empty:
        return pd.DataFrame()
    numeric = ["pnl", "sharpe", "trade_frequency", "hold_share"]
    return learning.groupby(["policy", "arm"])[numeric].mean().reset_index()
