"""Evaluation: trained policies vs a counterfactual baseline on paired seeds.

For every evaluation seed and condition ("stress" = the configured events, "calm" = none),
the same market (same seed, so the same background randomness) runs twice: scenario "rl"
with the trained policies acting greedily, and scenario "baseline" with the RL agents'
slots driven by the counterfactual (noise traders of matched order size and trading rate,
removed, or the rule-based counterpart of each style). Out come the market table
[scenario, seed, step, mid, spread, depth, stress, condition] and the action table
[seed, step, agent, action, condition] that pipeline.hypotheses takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from pipeline.config import Counterfactual, ExperimentConf, load
from pipeline.envconf import default_env_class, env_config
from pipeline.policy import TrainedPolicy, agent_to_module, load_policies

MARKET_COLUMNS = ["scenario", "seed", "step", "mid", "spread", "depth", "stress", "condition"]
SAVED_MARKET_COLUMNS = [*MARKET_COLUMNS, "one_sided"]
ACTION_COLUMNS = ["seed", "step", "agent", "action", "condition"]
CALM, STRESS = "calm", "stress"
RL, BASELINE = "rl", "baseline"


class ActionSource(Protocol):
    """Chooses every RL agent's Discrete(3) action from its observation."""

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]: ...


class PolicyActions:
    """The trained policies, greedy; agents sharing a policy are batched in one forward pass."""

    def __init__(self, policies: dict[str, TrainedPolicy], mapping: dict[str, str]) -> None:
        self.policies = policies
        self.mapping = mapping

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        groups: dict[str, list[str]] = {}
        for agent in obs:
            groups.setdefault(self.mapping[agent], []).append(agent)
        actions: dict[str, int] = {}
        for module, agents in groups.items():
            chosen = self.policies[module].act_batch(np.stack([obs[a] for a in agents]))
            actions.update({agent: int(a) for agent, a in zip(agents, chosen, strict=True)})
        return actions


class NoiseActions:
    """Noise traders in the RL agents' slots: trade with each agent's observed rate, 50/50 side."""

    def __init__(self, rates: dict[str, float], rng: np.random.Generator) -> None:
        self.rates = rates
        self.rng = rng

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        agents = sorted(obs)
        trade = self.rng.random(len(agents)) < np.array([self.rates.get(a, 0.0) for a in agents])
        side = self.rng.random(len(agents)) < 0.5
        return {a: (1 if s else 2) if t else 0 for a, t, s in zip(agents, trade, side, strict=True)}


class HoldActions:
    """The RL agents removed: their slots never trade."""

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        return {agent: 0 for agent in obs}


class RuleBasedActions:
    """Each RL agent replaced by the rule-based trader of its style (market.agents.counterparts)."""

    def __init__(self, styles: dict[str, str]) -> None:
        from market.agents.counterparts import rule_based_action

        self.styles = styles
        self.rule = rule_based_action

    def __call__(self, obs: dict[str, np.ndarray]) -> dict[str, int]:
        return {agent: int(self.rule(self.styles[agent], o)) for agent, o in obs.items()}


@dataclass
class Evaluation:
    """The evaluation tables plus per-seed metrics and the stylized facts of the returns."""

    market: pd.DataFrame
    actions: pd.DataFrame
    agent_metrics: pd.DataFrame
    market_metrics: pd.DataFrame
    stylized: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def conditions(self) -> list[str]:
        """Conditions evaluated: "stress" (configured events) and "calm", when present."""
        return [c for c in (STRESS, CALM) if c in set(self.market["condition"])]

    @property
    def primary_condition(self) -> str:
        """The configured market (with its events) if it has events, else the calm one."""
        return self.conditions[0]

    def market_table(self, condition: str) -> pd.DataFrame:
        """The hypotheses' market table of one condition."""
        rows = self.market[self.market["condition"] == condition]
        return rows[MARKET_COLUMNS[:-1]].reset_index(drop=True)

    def action_table(self, condition: str) -> pd.DataFrame:
        """The hypotheses' action table of one condition."""
        rows = self.actions[self.actions["condition"] == condition]
        return rows[ACTION_COLUMNS[:-1]].reset_index(drop=True)


def eval_seeds(conf: ExperimentConf) -> list[int]:
    """Evaluation seeds, disjoint from the training seed range."""
    first = conf.seed + conf.hypotheses.eval_seed_offset
    return list(range(first, first + conf.hypotheses.eval_seeds))


def run_episode(env: Any, seed: int, source: ActionSource) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One full episode from ``reset(seed)``; returns the env's market and agent records."""
    obs, _ = env.reset(seed=seed)
    while True:
        obs, _, terminated, truncated, _ = env.step(source(obs))
        if terminated.get("__all__") or truncated.get("__all__"):
            break
    return env.market_record(), env.agent_record()


def trade_rates(agent_record: pd.DataFrame) -> dict[str, float]:
    """Fraction of steps each agent actually traded (non-zero executed action)."""
    traded = agent_record.assign(traded=agent_record["action"] != 0)
    return {str(k): float(v) for k, v in traded.groupby("agent")["traded"].mean().items()}


def baseline_source(
    conf: ExperimentConf, rl_agent_record: pd.DataFrame, rng: np.random.Generator
) -> ActionSource:
    """The configured counterfactual for one seed (noise rates matched to that seed's RL run)."""
    styles = {agent.name: agent.style.value for agent in conf.agents.rl}
    factories: dict[Counterfactual, Callable[[], ActionSource]] = {
        Counterfactual.noise: lambda: NoiseActions(trade_rates(rl_agent_record), rng),
        Counterfactual.removed: HoldActions,
        Counterfactual.rule_based: lambda: RuleBasedActions(styles),
    }
    return factories[conf.hypotheses.counterfactual]()


def evaluate(
    checkpoint_dir: Path,
    cfg: DictConfig | ExperimentConf | dict[str, Any],
    *,
    env_cls: type | None = None,
) -> Evaluation:
    """Run the trained policies and the counterfactual on paired seeds, with and without events."""
    conf = load(cfg)
    policies = load_policies(Path(checkpoint_dir))
    mapping = agent_to_module(Path(checkpoint_dir))
    rl_source = PolicyActions(policies, mapping)
    conditions = [STRESS, CALM] if conf.events.schedule else [CALM]
    length = conf.hypotheses.eval_episode_length or conf.market.episode_length
    markets, actions, agent_rows, market_rows = [], [], [], []
    for condition in conditions:
        env_conf = env_config(conf, episode_length=length, with_events=condition == STRESS)
        env = (env_cls or default_env_class())(env_conf)
        for seed in eval_seeds(conf):
            rl_market, rl_agents = run_episode(env, seed, rl_source)
            rng = np.random.default_rng(np.random.SeedSequence([conf.seed, seed, 2]))
            base_market, base_agents = run_episode(
                env, seed, baseline_source(conf, rl_agents, rng)
            )
            for scenario, market, agents in (
                (RL, rl_market, rl_agents),
                (BASELINE, base_market, base_agents),
            ):
                markets.append(market.assign(scenario=scenario, seed=seed, condition=condition))
                market_rows.append(_market_metrics(market, scenario, seed, condition))
                agent_rows.append(
                    _agent_metrics(agents, market).assign(
                        scenario=scenario, seed=seed, condition=condition
                    )
                )
            actions.append(rl_agents.assign(seed=seed, condition=condition))
    market_table = fill_one_sided_spread(pd.concat(markets, ignore_index=True))
    action_table = pd.concat(actions, ignore_index=True)[ACTION_COLUMNS]
    action_table["action"] = action_table["action"].astype(np.int64)
    return Evaluation(
        market=market_table,
        actions=action_table,
        agent_metrics=pd.concat(agent_rows, ignore_index=True),
        market_metrics=pd.DataFrame(market_rows),
        stylized=stylized_by_scenario(market_table),
    )


def fill_one_sided_spread(market: pd.DataFrame) -> pd.DataFrame:
    """Give steps with an empty book side (spread undefined, NaN) the widest spread of the seed.

    The widest finite spread of that seed and condition, over both scenarios, so paired runs
    get the same value; a one-sided book is at least that illiquid. ``one_sided`` keeps the flag.
    """
    table = market.copy()
    table["one_sided"] = table["spread"].isna()
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


def _agent_metrics(agent_record: pd.DataFrame, market_record: pd.DataFrame) -> pd.DataFrame:
    from market.metrics import agent_metrics

    metrics = agent_metrics(agent_record, market_record)
    return metrics.reset_index()


def _market_metrics(
    market_record: pd.DataFrame, scenario: str, seed: int, condition: str
) -> dict[str, Any]:
    from market.metrics import market_metrics

    values = {k: v for k, v in market_metrics(market_record).items() if _is_number(v)}
    return {"scenario": scenario, "seed": seed, "condition": condition, **values}


def log_returns(market: pd.DataFrame) -> np.ndarray:
    """Log mid returns within each seed, concatenated (no return spans two episodes)."""
    parts = [
        np.diff(np.log(group.sort_values("step")["mid"].to_numpy(dtype=np.float64)))
        for _, group in market.groupby("seed")
    ]
    returns = np.concatenate(parts) if parts else np.empty(0)
    return returns[np.isfinite(returns)]


def stylized_by_scenario(market: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Stylized facts of the returns per "<condition>/<scenario>", flattened to floats."""
    from market.stylized import stylized_facts

    out: dict[str, dict[str, float]] = {}
    for (condition, scenario), group in market.groupby(["condition", "scenario"]):
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
    numeric = [c for c in agents.select_dtypes("number").columns if c != "seed"]
    means = agents.groupby(["condition", "scenario", "agent"])[numeric].mean()
    for index, row in means.iterrows():
        prefix = "/".join(str(part) for part in _parts(index))  # condition/scenario/agent
        for name, value in row.items():
            metrics[f"eval/{prefix}/{name}"] = float(value)
    market = evaluation.market_metrics
    numeric = [c for c in market.select_dtypes("number").columns if c != "seed"]
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
