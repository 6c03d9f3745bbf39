"""Evaluation: every trained replicate vs a counterfactual baseline on the same paired seeds.

For every evaluation seed and condition ("stress" = the configured events, "calm" = none), the
same market (same seed, so the same background randomness) runs with each replicate's trained
policies acting greedily (scenario "rl"), and once with the RL agents' slots driven by the
counterfactual (scenario "baseline": noise traders of matched order size and trading rate,
removed, or the rule-based counterpart of each style). The baseline and H3's reference arm
(``hypotheses.herding_reference``) depend only on the seed: they run once per seed and are
repeated per replicate in the tables (contract C1). Noise stand-ins trade at the RL agents' rate
on that seed, averaged over replicates. On the configured market, every policy of every
replicate is also played against three stand-ins in its slot (pipeline.learning). All episodes
of a phase are stepped in lockstep with batched policy inference (pipeline.rollout).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from pipeline.action_sources import GreedyModule, HoldActions, NoiseActions, RuleBasedActions
from pipeline.config import Counterfactual, ExperimentConf, as_dict, load
from pipeline.envconf import default_env_class, env_config
from pipeline.eval_metrics import (
    MARKET_COLUMNS,
    SAVED_MARKET_COLUMNS,
    episode_agent_metrics,
    episode_market_metrics,
    fill_one_sided_spread,
    log_returns,
    stylized_by_scenario,
    summary_metrics,
)
from pipeline.policy import agent_to_module, load_policies
from pipeline.rollout import ActionSource, EpisodeSpec, run_episodes

__all__ = [
    "ACTION_COLUMNS", "BASELINE", "CALM", "MARKET_COLUMNS", "RL", "SAVED_MARKET_COLUMNS",
    "STRESS", "Evaluation", "evaluate", "fill_one_sided_spread", "log_returns",
    "stylized_by_scenario", "summary_metrics",
]

ACTION_COLUMNS = ["seed", "step", "agent", "action", "replicate", "scenario", "style", "condition"]
CALM, STRESS = "calm", "stress"
RL, BASELINE = "rl", "baseline"
NOISE_STREAM, RANDOM_STREAM = 2, 5  # SeedSequence keys of the stand-ins' generators
PARALLEL_STEPS = 50_000  # replicates x seeds x episode steps from which 2 processes pay off
Episode = tuple[pd.DataFrame, pd.DataFrame]  # (market record, agent record)


@dataclass
class Evaluation:
    """The evaluation tables, per-episode metrics, stylized facts and the learning comparison."""

    market: pd.DataFrame
    actions: pd.DataFrame
    agent_metrics: pd.DataFrame
    market_metrics: pd.DataFrame
    stylized: dict[str, dict[str, float]] = field(default_factory=dict)
    learning: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def conditions(self) -> list[str]:
        """Conditions evaluated: "stress" (configured events) and "calm", when present."""
        return [c for c in (STRESS, CALM) if c in set(self.market["condition"])]

    @property
    def primary_condition(self) -> str:
        """The configured market (with its events) if it has events, else the calm one."""
        return self.conditions[0]

    @property
    def n_replicates(self) -> int:
        """How many trained replicates were evaluated."""
        return int(self.market["replicate"].nunique()) if "replicate" in self.market else 1

    def market_table(self, condition: str) -> pd.DataFrame:
        """The hypotheses' market table of one condition (contract C1)."""
        rows = self.market[self.market["condition"] == condition]
        columns = [c for c in SAVED_MARKET_COLUMNS if c != "condition" and c in rows]
        return rows[columns].reset_index(drop=True)

    def action_table(self, condition: str, *, reference: bool = True) -> pd.DataFrame:
        """The hypotheses' action table of one condition; ``reference=False``: "rl" rows only."""
        rows = self.actions[self.actions["condition"] == condition]
        if not reference and "scenario" in rows:
            rows = rows[rows["scenario"] == RL]
        columns = [c for c in ACTION_COLUMNS if c != "condition" and c in rows]
        return rows[columns].reset_index(drop=True)


def eval_seeds(conf: ExperimentConf) -> list[int]:
    """Evaluation seeds, disjoint from the training seed range (from ``seed`` alone)."""
    first = conf.seed + conf.hypotheses.eval_seed_offset
    return list(range(first, first + conf.hypotheses.eval_seeds))


def stand_in_rng(conf: ExperimentConf, seed: int, stream: int) -> np.random.Generator:
    """The generator of one stand-in on one evaluation seed (the same for every replicate)."""
    return np.random.default_rng(np.random.SeedSequence([conf.seed, seed, stream]))


def run_episode(env: Any, seed: int, source: ActionSource) -> Episode:
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


def styles_of(conf: ExperimentConf) -> dict[str, str]:
    """RL agent name -> its style."""
    return {agent.name: agent.style.value for agent in conf.agents.rl}


def baseline_source(
    conf: ExperimentConf, rates: dict[str, float], rng: np.random.Generator,
    kind: str | None = None,
) -> ActionSource:
    """The counterfactual (or, with ``kind``, another stand-in) for all RL slots of one seed."""
    factories: dict[str, Callable[[], ActionSource]] = {
        Counterfactual.noise.value: lambda: NoiseActions(rates, rng),
        Counterfactual.removed.value: HoldActions,
        Counterfactual.rule_based.value: lambda: RuleBasedActions(styles_of(conf)),
    }
    return factories[kind or conf.hypotheses.counterfactual.value]()


@dataclass
class _Setup:
    """What every phase of one evaluation shares."""

    conf: ExperimentConf
    seeds: list[int]
    policies: dict[tuple[int, str], Any]
    mappings: dict[int, dict[str, str]]  # replicate -> agent -> policy
    make_env: Callable[[], Any]
    pool: list[Any] = field(default_factory=list)

    def run(self, specs: Sequence[EpisodeSpec]) -> list[Episode]:
        return run_episodes(self.make_env, specs, self.policies, self.pool)


def evaluate(
    checkpoints: Path | str | Sequence[Path | str],
    cfg: DictConfig | ExperimentConf | dict[str, Any],
    *,
    env_cls: type | None = None,
    workers: int | None = None,
) -> Evaluation:
    """Evaluate one checkpoint or one per replicate (in replicate order) on the paired seeds.

    ``workers``: processes for the replicates' episodes (None = auto_workers); the numbers do
    not depend on it.
    """
    conf = load(cfg)
    if isinstance(checkpoints, str | Path):
        dirs = [Path(checkpoints)]
    else:
        dirs = [Path(c) for c in checkpoints]
    if not dirs:
        raise ValueError("checkpoints is empty: nothing to evaluate")
    chosen = auto_workers(conf, len(dirs)) if workers is None else workers
    return _evaluate(conf, dirs, env_cls, chosen)


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Small MLPs on a shared 2-core machine: one intra-op thread is ~15x faster than two."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _conditions(conf: ExperimentConf) -> list[str]:
    return [STRESS, CALM] if conf.events.schedule else [CALM]


def _setup(
    conf: ExperimentConf, condition: str, env_cls: type | None,
    policies: dict[tuple[int, str], Any], mappings: dict[int, dict[str, str]],
) -> _Setup:
    length = conf.hypotheses.eval_episode_length or conf.market.episode_length
    env_conf = env_config(conf, episode_length=length, with_events=condition == STRESS)
    return _Setup(conf, eval_seeds(conf), policies, mappings,
                  _env_factory(env_cls or default_env_class(), env_conf))


def replicate_task(
    conf: ExperimentConf, directory: Path, replicate: int, env_cls: type | None
) -> tuple[dict[str, dict[tuple[int, int], Episode]], pd.DataFrame]:
    """Everything one replicate's policies play: its trained episodes per condition (keyed
    (replicate, seed)) and its learning stand-in rows. Independent of the other replicates, so
    replicates can run in separate processes with the same batches, hence the same numbers."""
    from pipeline.learning import learning_table

    with torch_threads(conf.ppo.torch_threads):
        policies = {(replicate, name): GreedyModule(policy)
                    for name, policy in load_policies(directory).items()}
        mappings = {replicate: agent_to_module(directory)}
        rl: dict[str, dict[tuple[int, int], Episode]] = {}
        learning = pd.DataFrame()
        for condition in _conditions(conf):
            setup = _setup(conf, condition, env_cls, policies, mappings)
            rl[condition] = _rl_episodes(setup)
            if condition == _conditions(conf)[0]:
                learning = learning_table(setup, rl[condition])
    return rl, learning


def _task(args: tuple[dict[str, Any], Path, int, type | None]) -> Any:
    conf, directory, replicate, env_cls = args
    return replicate_task(load(conf), directory, replicate, env_cls)


def _run_tasks(
    conf: ExperimentConf, dirs: list[Path], env_cls: type | None, workers: int
) -> list[Any]:
    """Each replicate's task, in replicate order; in ``workers`` spawned processes if > 1."""
    tasks = [(as_dict(conf), d, r, env_cls) for r, d in enumerate(dirs)]
    if workers <= 1 or len(dirs) < 2:
        return [_task(t) for t in tasks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_task, tasks))


def auto_workers(conf: ExperimentConf, replicates: int) -> int:
    """2 processes for studies large enough to repay their start-up (~15 s each), else 1."""
    length = conf.hypotheses.eval_episode_length or conf.market.episode_length
    steps = replicates * conf.hypotheses.eval_seeds * length
    return min(2, os.cpu_count() or 1) if replicates >= 2 and steps >= PARALLEL_STEPS else 1


def _evaluate(
    conf: ExperimentConf, dirs: list[Path], env_cls: type | None, workers: int
) -> Evaluation:
    results = _run_tasks(conf, dirs, env_cls, workers)
    parts: list[dict[str, pd.DataFrame]] = []
    for condition in _conditions(conf):
        rl = {key: ep for task_rl, _ in results for key, ep in task_rl[condition].items()}
        setup = _setup(conf, condition, env_cls, {}, {})
        parts.append(_condition_tables(setup, condition, rl))
    learning = pd.concat([task_learning for _, task_learning in results], ignore_index=True)
    market = fill_one_sided_spread(pd.concat([p["market"] for p in parts], ignore_index=True))
    actions = pd.concat([p["actions"] for p in parts], ignore_index=True)[ACTION_COLUMNS]
    actions["action"] = actions["action"].astype(np.int64)
    return Evaluation(
        market=market,
        actions=actions,
        agent_metrics=pd.concat([p["agents"] for p in parts], ignore_index=True),
        market_metrics=pd.concat([p["market_metrics"] for p in parts], ignore_index=True),
        stylized=stylized_by_scenario(market),
        learning=learning,
    )


def _env_factory(cls: type, env_conf: dict[str, Any]) -> Callable[[], Any]:
    def make() -> Any:
        return cls(env_conf)

    return make


def _rl_episodes(setup: _Setup) -> dict[tuple[int, int], Episode]:
    """Every replicate's trained policies on every seed: (replicate, seed) -> episode."""
    keys = [(r, seed) for r in sorted(setup.mappings) for seed in setup.seeds]
    specs = [
        EpisodeSpec(seed, {a: (r, m) for a, m in setup.mappings[r].items()}) for r, seed in keys
    ]
    return dict(zip(keys, setup.run(specs), strict=True))


def _mean_rates(rl: dict[tuple[int, int], Episode], seed: int) -> dict[str, float]:
    """Per agent, its trading rate on ``seed`` averaged over replicates."""
    per = [trade_rates(agents) for (_, s), (_, agents) in sorted(rl.items()) if s == seed]
    return {agent: float(np.mean([rates[agent] for rates in per])) for agent in per[0]}


def _stand_in_episodes(
    setup: _Setup, rl: dict[tuple[int, int], Episode], kind: str
) -> dict[int, Episode]:
    """One episode per seed with every RL slot driven by stand-in ``kind`` (no policy)."""
    specs = [
        EpisodeSpec(seed, {}, baseline_source(
            setup.conf, _mean_rates(rl, seed), stand_in_rng(setup.conf, seed, NOISE_STREAM), kind
        ))
        for seed in setup.seeds
    ]
    return dict(zip(setup.seeds, setup.run(specs), strict=True))


def _condition_tables(
    setup: _Setup, condition: str, rl: dict[tuple[int, int], Episode]
) -> dict[str, pd.DataFrame]:
    """Market, action and metric rows of one condition, baseline repeated per replicate."""
    conf = setup.conf
    baseline = _stand_in_episodes(setup, rl, conf.hypotheses.counterfactual.value)
    reference_kind = conf.hypotheses.herding_reference.value
    same = reference_kind == conf.hypotheses.counterfactual.value
    reference = baseline if same else _stand_in_episodes(setup, rl, reference_kind)
    styles = styles_of(conf)
    markets, actions, agents, market_rows = [], [], [], []
    for (replicate, seed), rl_episode in sorted(rl.items()):
        for scenario, (market, record) in ((RL, rl_episode), (BASELINE, baseline[seed])):
            tags: dict[str, Any] = {"scenario": scenario, "seed": seed,
                                    "condition": condition, "replicate": replicate}
            markets.append(market.assign(**tags))
            market_rows.append(
                episode_market_metrics(market, scenario, seed, condition) | {"replicate": replicate}
            )
            agents.append(episode_agent_metrics(record, market).assign(**tags))
        for scenario, record in ((RL, rl_episode[1]), (BASELINE, reference[seed][1])):
            actions.append(record.assign(seed=seed, condition=condition, replicate=replicate,
                                         scenario=scenario, style=record["agent"].map(styles)))
    return {
        "market": pd.concat(markets, ignore_index=True),
        "actions": pd.concat(actions, ignore_index=True),
        "agents": pd.concat(agents, ignore_index=True),
        "market_metrics": pd.DataFrame(market_rows),
    }
