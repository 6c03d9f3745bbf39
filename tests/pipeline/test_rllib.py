"""The RLlib wiring: env config, agent -> module mapping, a PPO config RLlib accepts."""

from __future__ import annotations

import pytest

from market.config import EnvConfig
from pipeline.config import load
from pipeline.envconf import env_config, module_mapping
from pipeline.rllib import AgentToModule, build_ppo_config

CROWD = [{"name": n, "style": "momentum"} for n in ("a", "b")] + [
    {"name": "c", "style": "adaptive"}
]


def test_env_config_is_what_the_market_env_accepts() -> None:
    conf = load({"market": {"episode_length": 400}, "seed": 5})
    plain = env_config(conf)
    parsed = EnvConfig.from_dict(plain)
    assert parsed.episode_length == 400 and parsed.seed == 5
    assert [a.name for a in parsed.agents] == ["momentum", "mean_reversion", "adaptive"]
    assert [e.type for e in parsed.events] == ["flash_crash"]
    assert env_config(conf, seed=9, episode_length=50, with_events=False)["events"] == []


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ("per_agent", {"a": "a", "b": "b", "c": "c"}),
        ("per_style", {"a": "momentum", "b": "momentum", "c": "adaptive"}),
        ("shared", {"a": "shared", "b": "shared", "c": "shared"}),
    ],
)
def test_module_mapping(mapping: str, expected: dict[str, str]) -> None:
    conf = load({"agents": {"rl": CROWD, "policy_mapping": mapping}})
    assert module_mapping(conf) == expected
    assert AgentToModule(expected)("b", None) == expected["b"]


def test_ppo_config_has_one_module_per_policy_and_the_configured_hyperparameters() -> None:
    conf = load({"agents": {"rl": CROWD, "policy_mapping": "per_style"},
                 "ppo": {"lr": 1e-4, "train_batch_size": 800, "minibatch_size": 100,
                         "num_epochs": 2, "num_env_runners": 1, "num_envs_per_env_runner": 1}})
    config = build_ppo_config(conf)
    config.validate()
    assert set(config.policies) == {"momentum", "adaptive"}
    assert config.lr == 1e-4
    assert config.train_batch_size_per_learner == 800
    assert config.rollout_fragment_length == 200
    assert config.num_epochs == 2 and config.minibatch_size == 100
    assert config.num_env_runners == 1 and config.num_learners == 0
    assert config.enable_rl_module_and_learner and config.enable_env_runner_and_connector_v2
    assert isinstance(config.policy_mapping_fn, AgentToModule)
    assert config.policy_mapping_fn.mapping["c"] == "adaptive"


def test_ppo_config_fixes_the_data_per_iteration_and_derives_the_seed() -> None:
    from pipeline.env_runners import BatchedEnvRunner
    from pipeline.rllib import SortedPPOLearner, rllib_seed

    config = build_ppo_config(load({"seed": 11, "ppo": {"num_env_runners": 0,
                                                        "num_envs_per_env_runner": 20}}))
    config.validate()
    assert config.seed == rllib_seed(11) != rllib_seed(12)
    # No wall-clock dependence: one sample round of exactly 20 x 200 = 4000 steps per iteration.
    assert config.sample_timeout_s is None and config.min_time_s_per_iteration is None
    assert config.min_sample_timesteps_per_iteration == 0
    assert config.num_envs_per_env_runner * config.rollout_fragment_length == 4000
    assert config.env_runner_cls is BatchedEnvRunner and config.learner_class is SortedPPOLearner
    assert config.vf_clip_param >= 1_000.0
