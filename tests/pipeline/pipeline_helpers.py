"""Small synthetic evaluation results for the pipeline's unit tests (no training needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.evaluate import Evaluation, stylized_by_scenario

AGENTS = ["momentum", "mean_reversion", "adaptive"]


def synthetic_evaluation(seeds: int = 3, steps: int = 120) -> Evaluation:
    """Random-walk markets for both scenarios and conditions, random RL actions, toy metrics."""
    rng = np.random.default_rng(0)
    market_rows, action_rows, agent_rows, market_metric_rows = [], [], [], []
    for condition in ("stress", "calm"):
        for seed in range(seeds):
            for scenario in ("rl", "baseline"):
                mid = 100 * np.exp(np.cumsum(rng.standard_t(4, steps) * 1e-3))
                window = (np.arange(steps) >= 50) & (np.arange(steps) < 60)
                stress = window & (condition == "stress")
                market_rows.append(pd.DataFrame({
                    "scenario": scenario, "seed": seed, "step": np.arange(steps), "mid": mid,
                    "spread": 0.01 + 0.02 * stress, "depth": 200.0 - 50 * stress,
                    "stress": stress, "condition": condition, "one_sided": False,
                }))
                market_metric_rows.append({"scenario": scenario, "seed": seed,
                                           "condition": condition, "realized_volatility": 0.01})
                agent_rows.append(pd.DataFrame({"agent": AGENTS, "pnl": rng.normal(size=3),
                                                "scenario": scenario, "seed": seed,
                                                "condition": condition}))
            for agent in AGENTS:
                action_rows.append(pd.DataFrame({
                    "seed": seed, "step": np.arange(steps), "agent": agent,
                    "action": rng.integers(-1, 2, steps), "condition": condition,
                }))
    market = pd.concat(market_rows, ignore_index=True)
    return Evaluation(
        market=market,
        actions=pd.concat(action_rows, ignore_index=True),
        agent_metrics=pd.concat(agent_rows, ignore_index=True),
        market_metrics=pd.DataFrame(market_metric_rows),
        stylized=stylized_by_scenario(market),
    )
