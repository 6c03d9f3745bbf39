"""Small synthetic evaluation results for the pipeline's unit tests (no training needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.evaluate import Evaluation, stylized_by_scenario

AGENTS = ["momentum", "mean_reversion", "adaptive"]
ARMS = ["trained", "random", "hold", "rule_based"]


def synthetic_evaluation(seeds: int = 3, steps: int = 120, replicates: int = 2) -> Evaluation:
    """Random-walk markets per replicate, scenario and condition, random actions, toy metrics."""
    rng = np.random.default_rng(0)
    market_rows, action_rows, agent_rows, market_metric_rows = [], [], [], []
    for replicate in range(replicates):
        for condition in ("stress", "calm"):
            for seed in range(seeds):
                for scenario in ("rl", "baseline"):
                    mid = 100 * np.exp(np.cumsum(rng.standard_t(4, steps) * 1e-3))
                    window = (np.arange(steps) >= 50) & (np.arange(steps) < 60)
                    stress = window & (condition == "stress")
                    tags = {"scenario": scenario, "seed": seed, "condition": condition,
                            "replicate": replicate}
                    market_rows.append(pd.DataFrame({
                        "step": np.arange(steps), "mid": mid,
                        "spread": 0.01 + 0.02 * stress, "depth": 200.0 - 50 * stress,
                        "stress": stress, "one_sided": False, **tags,
                    }))
                    market_metric_rows.append({**tags, "realized_volatility": 0.01})
                    agent_rows.append(pd.DataFrame({"agent": AGENTS, "pnl": rng.normal(size=3),
                                                    **tags}))
                    for agent in AGENTS:
                        action_rows.append(pd.DataFrame({
                            "seed": seed, "step": np.arange(steps), "agent": agent,
                            "action": rng.integers(-1, 2, steps), "replicate": replicate,
                            "scenario": scenario, "style": agent, "condition": condition,
                        }))
    market = pd.concat(market_rows, ignore_index=True)
    return Evaluation(
        market=market,
        actions=pd.concat(action_rows, ignore_index=True),
        agent_metrics=pd.concat(agent_rows, ignore_index=True),
        market_metrics=pd.DataFrame(market_metric_rows),
        stylized=stylized_by_scenario(market),
        learning=synthetic_learning(seeds, replicates),
    )


def synthetic_learning(seeds: int, replicates: int, edge: float = 5.0) -> pd.DataFrame:
    """A learning table where "trained" beats random and hold by ``edge`` PnL on every seed."""
    rng = np.random.default_rng(1)
    rows = []
    for replicate in range(replicates):
        for policy in AGENTS:
            for seed in range(seeds):
                base = rng.normal()
                for arm in ARMS:
                    pnl = base + (edge if arm == "trained" else 0.0) + (arm == "rule_based") * 9
                    rows.append({"replicate": replicate, "policy": policy, "arm": arm,
                                 "seed": seed, "pnl": pnl, "sharpe": 0.1, "trade_frequency": 0.2,
                                 "hold_share": 1.0 if arm == "hold" else 0.5})
    return pd.DataFrame(rows)
