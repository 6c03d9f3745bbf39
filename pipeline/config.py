"""Typed schemas of the Hydra config (conf/), registered in Hydra's ConfigStore.

The schemas make Hydra reject a wrong key or a wrong type at composition (``ppo.lr=abc``,
an unknown event type); ``load`` then checks ranges and cross-field rules (a negative batch,
a rollout fragment that cannot fill the train batch) before any work starts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

# The market's vocabulary (one definition, market/vocabulary.py), re-exported under these names.
from market.vocabulary import EventType as EventType
from market.vocabulary import Style as Style
from pipeline.names import Counterfactual as Counterfactual
from pipeline.names import HerdingReference as HerdingReference
from pipeline.names import HypothesisName as HypothesisName
from pipeline.names import Mode as Mode
from pipeline.names import PolicyMapping as PolicyMapping
from pipeline.names import SpaceType as SpaceType
from pipeline.paths import outputs_dir


class ConfigError(ValueError):
    """A configuration that cannot run; the message names the field and the value."""


def _positive(owner: str, **values: float | int) -> None:
    for name, value in values.items():
        if value <= 0:
            raise ConfigError(f"{_key(owner, name)} must be > 0, got {value!r}")


def _non_negative(owner: str, **values: float | int) -> None:
    for name, value in values.items():
        if value < 0:
            raise ConfigError(f"{_key(owner, name)} must be >= 0, got {value!r}")


def _key(owner: str, name: str) -> str:
    return f"{owner}.{name}" if owner else name


@dataclass
class MarketConf:
    """The market: episode length and MarketConfig overrides (market.config, validated there)."""

    episode_length: int = 1000
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _positive("market", episode_length=self.episode_length)


@dataclass
class AgentConf:
    """One RL agent (market.config.AgentSpec): style, order size, position limit, reward weights."""

    name: str = "momentum"
    style: Style = Style.momentum
    order_size: int = 10
    max_position: int = 100
    trend_weight: float = 0.05  # momentum style
    inventory_penalty: float = 0.02  # mean_reversion style
    risk_aversion: float = 0.005  # adaptive style (market.vocabulary.AGENT_DEFAULTS)

    def __post_init__(self) -> None:
        owner = f"agents.rl[{self.name}]"
        if not self.name:
            raise ConfigError("agents.rl[].name must not be empty")
        _positive(owner, order_size=self.order_size, max_position=self.max_position)
        if self.max_position < self.order_size:
            raise ConfigError(
                f"{owner}.max_position={self.max_position} must be >= order_size={self.order_size}"
            )
        _non_negative(
            owner,
            trend_weight=self.trend_weight,
            inventory_penalty=self.inventory_penalty,
            risk_aversion=self.risk_aversion,
        )


@dataclass
class AgentsConf:
    """The RL agents of the market and how they map to policies."""

    rl: list[AgentConf] = field(
        default_factory=lambda: [AgentConf(name=style.value, style=style) for style in Style]
    )
    policy_mapping: PolicyMapping = PolicyMapping.per_agent

    def __post_init__(self) -> None:
        if not self.rl:
            raise ConfigError("agents.rl must name at least one RL agent, got []")
        names = [agent.name for agent in self.rl]
        if len(set(names)) != len(names):
            raise ConfigError(f"agents.rl names must be unique, got {names}")


@dataclass
class PPOConf:
    """RLlib PPO hyperparameters and the training budget."""

    lr: float = 5e-5
    train_batch_size: int = 4000
    rollout_fragment_length: int = 200
    minibatch_size: int = 500
    num_epochs: int = 5
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_param: float = 0.2
    entropy_coeff: float = 0.01
    vf_loss_coeff: float = 0.5
    grad_clip: float = 0.5
    hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])
    activation: str = "tanh"
    iterations: int = 10
    # Same defaults as conf/ppo/default.yaml: sampling in the driver, 20 markets side by side.
    num_env_runners: int = 0
    num_envs_per_env_runner: int = 20
    torch_threads: int = 1

    def __post_init__(self) -> None:
        _positive(
            "ppo",
            lr=self.lr,
            train_batch_size=self.train_batch_size,
            rollout_fragment_length=self.rollout_fragment_length,
            minibatch_size=self.minibatch_size,
            num_epochs=self.num_epochs,
            iterations=self.iterations,
            num_envs_per_env_runner=self.num_envs_per_env_runner,
            torch_threads=self.torch_threads,
        )
        _non_negative("ppo", num_env_runners=self.num_env_runners, entropy_coeff=self.entropy_coeff)
        for name, value in (("gamma", self.gamma), ("gae_lambda", self.gae_lambda)):
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"ppo.{name} must be in (0, 1], got {value!r}")
        if self.minibatch_size > self.train_batch_size:
            raise ConfigError(
                f"ppo.minibatch_size ({self.minibatch_size}) must not exceed "
                f"ppo.train_batch_size ({self.train_batch_size})"
            )
        if not self.hidden_sizes or min(self.hidden_sizes) <= 0:
            raise ConfigError(f"ppo.hidden_sizes must be positive sizes, got {self.hidden_sizes}")
        self._check_fragments()

    def _check_fragments(self) -> None:
        """RLlib's own rule: runners x envs x fragment must fill the batch within 10%."""
        per_round = max(self.num_env_runners, 1) * self.num_envs_per_env_runner
        step = per_round * self.rollout_fragment_length
        rounds = -(-self.train_batch_size // step)
        if rounds * step - self.train_batch_size > 0.1 * self.train_batch_size:
            raise ConfigError(
                f"ppo.train_batch_size={self.train_batch_size} cannot be filled by "
                f"{per_round} env(s) x ppo.rollout_fragment_length={self.rollout_fragment_length}"
                f" within 10%; use ppo.rollout_fragment_length="
                f"{max(1, self.train_batch_size // per_round)} or a divisor of it"
            )


@dataclass
class EventConf:
    """One scheduled stress event (market.config.EventSpec); duration 0 = the type's default."""

    type: EventType = EventType.flash_crash
    step: int = 0
    duration: int = 0
    params: dict[str, float] = field(default_factory=dict)
    step_jitter: int = 0  # > 0: each episode starts it at a step drawn from [step, step + jitter]
    random_sign: bool = False  # news_shock: each episode flips the jump's sign with probability 1/2

    def __post_init__(self) -> None:
        owner = f"events.schedule[{self.type.value}]"
        _non_negative(owner, step=self.step, duration=self.duration, step_jitter=self.step_jitter)


@dataclass
class EventsConf:
    """A named schedule of stress events (empty = a calm market)."""

    name: str = "flash_crash"
    schedule: list[EventConf] = field(
        default_factory=lambda: [EventConf(type=EventType.flash_crash, step=300, duration=5)]
    )


@dataclass
class HypothesesConf:
    """Which hypotheses to test, at what level, on how many paired evaluation seeds."""

    tests: list[HypothesisName] = field(default_factory=lambda: list(HypothesisName))
    alpha: float = 0.05
    eval_seeds: int = 10
    eval_seed_offset: int = 10_000
    eval_episode_length: int | None = None
    counterfactual: Counterfactual = Counterfactual.noise
    herding_reference: HerdingReference = HerdingReference.rule_based
    allow_underpowered: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ConfigError(f"hypotheses.alpha must be in (0, 1), got {self.alpha!r}")
        if self.eval_seeds < 2:
            raise ConfigError(f"hypotheses.eval_seeds must be >= 2, got {self.eval_seeds!r}")
        _non_negative("hypotheses", eval_seed_offset=self.eval_seed_offset)
        if self.eval_episode_length is not None:
            _positive("hypotheses", eval_episode_length=self.eval_episode_length)


@dataclass
class TrackingConf:
    """MLflow: tracking URI (None = pipeline.paths default) and new experiments' artifact root."""

    uri: str | None = None
    artifact_root: str | None = None


@dataclass
class RayConf:
    """Where Ray runs: address None = a local Ray; "auto" or "ray://host:10001" = a cluster."""

    address: str | None = None
    num_cpus: int | None = None

    def __post_init__(self) -> None:
        if self.num_cpus is not None:
            _positive("ray", num_cpus=self.num_cpus)
        address = self.address
        if address is not None and not (
            address == "auto" or address.startswith("ray://") or ":" in address
        ):
            raise ConfigError(
                "ray.address must be null, 'auto', 'ray://host:port' or 'host:port', "
                f"got {address!r}"
            )


@dataclass
class SweepParam:
    """One searched config key (dotted, e.g. ppo.lr) and its Tune search space."""

    key: str = ""
    type: SpaceType = SpaceType.grid
    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise ConfigError("sweep.params[].key must be a dotted config key, got ''")
        if self.type in (SpaceType.grid, SpaceType.choice) and not self.values:
            raise ConfigError(f"sweep.params[{self.key}] of type {self.type.value} needs values")
        if self.type not in (SpaceType.grid, SpaceType.choice):
            if self.low is None or self.high is None or not self.low < self.high:
                raise ConfigError(
                    f"sweep.params[{self.key}] needs low < high, got {self.low!r}, {self.high!r}"
                )


@dataclass
class SweepConf:
    """A Ray Tune sweep; name "none" (the default) runs the plain pipeline."""

    name: str = "none"
    params: list[SweepParam] = field(default_factory=list)
    num_samples: int = 1
    metric: str = "train/episode_return_mean"
    mode: Mode = Mode.max
    max_concurrent_trials: int | None = None
    storage_path: str | None = None
    evaluate_best: bool = True

    def __post_init__(self) -> None:
        _positive("sweep", num_samples=self.num_samples)
        if self.name != "none" and not self.params:
            raise ConfigError(f"sweep {self.name!r} has no sweep.params to search")


@dataclass
class ExperimentConf:
    """The whole run: one Hydra experiment, seeded from ``seed``."""

    name: str = "default"
    seed: int = 0
    replicates: int = 1
    market: MarketConf = field(default_factory=MarketConf)
    agents: AgentsConf = field(default_factory=AgentsConf)
    ppo: PPOConf = field(default_factory=PPOConf)
    events: EventsConf = field(default_factory=EventsConf)
    hypotheses: HypothesesConf = field(default_factory=HypothesesConf)
    tracking: TrackingConf = field(default_factory=TrackingConf)
    ray: RayConf = field(default_factory=RayConf)
    sweep: SweepConf = field(default_factory=SweepConf)

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("name (the experiment name) must not be empty")
        _non_negative("", seed=self.seed)
        if isinstance(self.replicates, bool) or self.replicates < 1:
            raise ConfigError(f"replicates must be an int >= 1, got {self.replicates!r}")
        length = self.hypotheses.eval_episode_length or self.market.episode_length
        for event in self.events.schedule:
            if event.step + event.step_jitter >= min(length, self.market.episode_length):
                jitter = f" + step_jitter={event.step_jitter}" if event.step_jitter else ""
                raise ConfigError(
                    f"events.schedule[{event.type.value}].step={event.step}{jitter} is outside "
                    f"the episode (length {min(length, self.market.episode_length)})"
                )
        if HypothesisName.liquidity_impact in self.hypotheses.tests and not self.events.schedule:
            raise ConfigError(
                "hypotheses.tests includes liquidity_impact, which needs stress events, "
                "but events.schedule is empty (pick events=flash_crash or similar)"
            )
        if HypothesisName.herding in self.hypotheses.tests and len(self.agents.rl) < 2:
            raise ConfigError(
                "hypotheses.tests includes herding, which needs >= 2 RL agents, "
                f"but agents.rl has {len(self.agents.rl)}"
            )
        check_study_power(self)


def check_study_power(conf: ExperimentConf) -> None:
    """Refuse a study whose tests can never reject after BH (issue 9), unless allowed.

    ``hypotheses.allow_underpowered: true`` (the smoke experiment) lets it run; the run then
    warns and the report says so.
    """
    if conf.hypotheses.allow_underpowered or not conf.hypotheses.tests:
        return
    from pipeline.hypotheses.design import check_study_can_reject

    try:
        check_study_can_reject(
            n_seeds=conf.hypotheses.eval_seeds,
            n_replicates=conf.replicates,
            n_tests=len(conf.hypotheses.tests),
            alpha=conf.hypotheses.alpha,
        )
    except ValueError as err:
        raise ConfigError(
            f"hypotheses (eval_seeds={conf.hypotheses.eval_seeds}, replicates="
            f"{conf.replicates}, {len(conf.hypotheses.tests)} tests, alpha="
            f"{conf.hypotheses.alpha}): {err}; or set hypotheses.allow_underpowered=true"
        ) from err


def register() -> None:
    """Register the root schema (named in conf/config.yaml's defaults) and ``${outputs_dir:}``.

    The resolver anchors Hydra's run dirs at the project's outputs/ whatever the cwd.
    """
    ConfigStore.instance().store(name="config_schema", node=ExperimentConf)
    OmegaConf.register_new_resolver("outputs_dir", lambda: str(outputs_dir()), replace=True)


register()


def load(cfg: DictConfig | dict[str, Any] | ExperimentConf) -> ExperimentConf:
    """Validate a composed config (or its plain-dict form) into a typed ExperimentConf."""
    if isinstance(cfg, ExperimentConf):
        return cfg
    try:
        schema = OmegaConf.structured(ExperimentConf)
        merged = OmegaConf.merge(schema, cfg)
        conf = OmegaConf.to_object(merged)
    except OmegaConfBaseException as err:
        raise ConfigError(str(err).splitlines()[0] + _location(err)) from err
    except ConfigError:
        raise
    except ValueError as err:
        raise ConfigError(str(err)) from err
    assert isinstance(conf, ExperimentConf)
    return conf


def _location(err: OmegaConfBaseException) -> str:
    key = getattr(err, "full_key", None)
    return f" (key: {key})" if key else ""


def as_dict(conf: ExperimentConf) -> dict[str, Any]:
    """The resolved config as a plain dict (enums as strings): safe to pickle to Ray workers."""
    return _plain(dataclasses.asdict(conf))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
