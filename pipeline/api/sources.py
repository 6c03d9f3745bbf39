"""Where a live market comes from: defaults, a named experiment config, or an MLflow run.

Builds a ``SimulationPlan`` (env config + one policy per RL agent) outside the simulation lock:
composing a Hydra config or downloading a checkpoint can take seconds.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from mlflow.exceptions import MlflowException

from market.config import STYLES
from pipeline.api.errors import BadRequestError, NotFoundError
from pipeline.api.settings import Settings
from pipeline.api.simulation import Policy, RLAgentPlan, SimulationPlan
from pipeline.api.store import CONFIG_ARTIFACT, ResultsStore
from pipeline.tracking import PARENT_TAG

DEFAULT_STYLES = STYLES  # the RL styles, in the env's default agent order
STAND_IN_NOTE = (
    "RL agents are rule-based stand-ins (market.agents.counterparts), not trained policies: "
    "start from a run_id to use a trained checkpoint"
)
_HYDRA_LOCK = threading.Lock()


class RuleBasedPolicy:
    """The rule-based counterpart of an RL style, standing in when no checkpoint is given."""

    def __init__(self, style: str) -> None:
        from market.agents.counterparts import rule_based_action

        self.style = style
        self._rule = rule_based_action

    def act(self, obs: np.ndarray) -> int:
        """The counterpart's Discrete(3) action for this observation."""
        return int(self._rule(self.style, obs))


def env_config_from(conf: Any) -> dict[str, Any]:
    """The env config dict of a validated ExperimentConf, exactly as the pipeline builds it."""
    from pipeline.envconf import env_config

    return env_config(conf)


def _with_background(
    config: dict[str, Any], background: Mapping[str, int] | None
) -> dict[str, Any]:
    """The config with background counts replaced by the request's (others keep their defaults)."""
    if not background:
        return config
    market = dict(config.get("market") or {})
    from market.config import DEFAULT_COUNTS

    counts = dict(market.get("counts") or DEFAULT_COUNTS)
    counts.update({str(k): int(v) for k, v in background.items()})
    market["counts"] = counts
    return {**config, "market": market}


def _stand_ins(config: dict[str, Any]) -> list[RLAgentPlan]:
    agents = config.get("agents")
    if agents is None:
        agents = [{"name": s, "style": s} for s in DEFAULT_STYLES]
    plans = []
    for agent in agents:
        style = str(agent.get("style", agent["name"]))
        plans.append(RLAgentPlan(agent["name"], style, RuleBasedPolicy(style), False))
    return plans


def defaults_plan(background: Mapping[str, int] | None) -> SimulationPlan:
    """The default market with rule-based stand-ins for the three default RL agents."""
    config = _with_background({}, background)
    return SimulationPlan(
        env_config=config,
        source="defaults",
        agents=_stand_ins(config),
        note=f"default market; {STAND_IN_NOTE}",
    )


def compose_experiment(name: str, settings: Settings) -> Any:
    """The validated ExperimentConf of ``conf/experiment/<name>.yaml``; 404 if there is none."""
    experiment_dir = settings.conf_dir / "experiment"
    known = sorted(p.stem for p in experiment_dir.glob("*.yaml")) if experiment_dir.is_dir() else []
    if name not in known:
        raise NotFoundError(f"experiment config {name!r} not found; known: {known}")
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from pipeline.config import load

    try:
        with _HYDRA_LOCK, initialize_config_dir(str(settings.conf_dir), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[f"+experiment={name}"])
        return load(cfg)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise BadRequestError(f"experiment config {name!r} cannot be loaded: {exc}") from exc


def experiment_plan(
    name: str, settings: Settings, background: Mapping[str, int] | None
) -> SimulationPlan:
    """A market from a named experiment config, its RL agents as rule-based stand-ins."""
    config = _with_background(env_config_from(compose_experiment(name, settings)), background)
    return SimulationPlan(
        env_config=config,
        source="experiment",
        experiment=name,
        agents=_stand_ins(config),
        note=f"market of experiment config {name!r}; {STAND_IN_NOTE}",
    )


class CheckpointCache:
    """Checkpoints downloaded from MLflow, one local copy per run, removed on close."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()
        self._dirs: dict[str, Path] = {}
        self._policies: dict[str, dict[str, Policy]] = {}

    def policies(
        self, store: ResultsStore, run_id: str, replicate: int | None = None
    ) -> dict[str, Policy]:
        """The trained policies of a run's checkpoint (restored once per checkpoint)."""
        source = store.checkpoint_run(run_id, replicate)
        checkpoint = self.get(store, source)
        with self._lock:
            if source not in self._policies:
                self._policies[source] = load_policy_map(checkpoint)
            return self._policies[source]

    def get(self, store: ResultsStore, run_id: str) -> Path:
        """The local ``checkpoint/`` of the run that has it (downloaded once); 404 if none."""
        with self._lock:
            if run_id not in self._dirs:
                from pipeline.policy import download_checkpoint

                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="thinking-market-ckpt-"))
                try:
                    path = download_checkpoint(store.tracking_uri, run_id, self._root / run_id)
                except (MlflowException, OSError, ValueError, KeyError) as exc:
                    raise NotFoundError(f"run {run_id!r} has no usable checkpoint: {exc}") from exc
                self._dirs[run_id] = Path(path)
            return self._dirs[run_id]

    def close(self) -> None:
        """Delete every downloaded checkpoint."""
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
            self._root, self._dirs, self._policies = None, {}, {}


def load_policy_map(checkpoint: Path) -> dict[str, Policy]:
    """Trained policies of a checkpoint by module id (inference only), plus agent aliases.

    Agent names from the checkpoint's agent -> module table map to their module too, so
    ``pick_policy`` finds an agent's policy whatever the training's policy mapping was.
    """
    from pipeline.policy import agent_to_module, load_policies

    try:
        policies: dict[str, Policy] = dict(load_policies(checkpoint))
        mapping = agent_to_module(checkpoint)
    except (OSError, KeyError, ValueError) as exc:
        raise NotFoundError(f"no usable policies in checkpoint: {exc}") from exc
    aliases = {agent: policies[module] for agent, module in mapping.items() if module in policies}
    return {**aliases, **policies}


def pick_policy(policies: Mapping[str, Policy], name: str, style: str) -> Policy | None:
    """The policy of an agent: by agent name or module id, else by style, else the only one."""
    if name in policies:
        return policies[name]
    if style in policies:
        return policies[style]
    distinct = {id(p): p for p in policies.values()}
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    return None


def run_plan(
    run_id: str,
    store: ResultsStore,
    checkpoints: CheckpointCache,
    background: Mapping[str, int] | None,
    replicate: int | None = None,
) -> SimulationPlan:
    """The market of a pipeline run, its RL agents driven by the run's trained checkpoint.

    A replicate child run has no config of its own: its parent's is used.
    """
    run = store.run(run_id)
    text = store.read_artifact(run_id, CONFIG_ARTIFACT)
    parent = run.data.tags.get(PARENT_TAG)
    if text is None and parent:
        text = store.read_artifact(parent, CONFIG_ARTIFACT)
    if text is None:
        raise NotFoundError(f"run {run_id!r} has no {CONFIG_ARTIFACT} artifact")
    from pipeline.config import load

    try:
        conf = load(yaml.safe_load(text))
    except (ValueError, yaml.YAMLError) as exc:
        raise BadRequestError(
            f"{CONFIG_ARTIFACT} of run {run_id!r} is not a valid config: {exc}"
        ) from exc
    config = _with_background(env_config_from(conf), background)
    policies = checkpoints.policies(store, run_id, replicate)
    agents, missing = [], []
    for plan in _stand_ins(config):
        trained = pick_policy(policies, plan.name, plan.style)
        if trained is None:
            missing.append(plan.name)
            agents.append(plan)
        else:
            agents.append(RLAgentPlan(plan.name, plan.style, trained, True))
    which = "" if replicate is None else f", replicate {replicate}"
    note = f"RL agents use the trained checkpoint of run {run_id!r}{which} (inference only)"
    if missing:
        note += f"; no module for {missing}: rule-based stand-ins for those"
    return SimulationPlan(
        env_config=config,
        source="run",
        run_id=run_id,
        experiment=str(conf.name),
        agents=agents,
        note=note,
    )
