"""RLlib wiring: the only module that builds an AlgorithmConfig (PPO, new API stack, torch).

Also owns the Ray session; the env config and the agent -> RLModule mapping live in
pipeline.envconf (no Ray import), so training, sweeps and benchmarks all run the very same setup.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from pipeline.config import ExperimentConf, RayConf
from pipeline.envconf import (
    default_env_class,
    env_config,
    module_mapping,
    policy_ids,
)


class AgentToModule:
    """A picklable policy_mapping_fn: looks the agent up in a fixed table."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = dict(mapping)

    def __call__(self, agent_id: Any, episode: Any = None, **kwargs: Any) -> str:
        return self.mapping[str(agent_id)]


def build_ppo_config(conf: ExperimentConf, env_cls: type | None = None) -> PPOConfig:
    """PPO for ``conf``: one RLModule per policy id, env runners x fragment = train batch."""
    ppo = conf.ppo
    mapping = module_mapping(conf)
    modules = policy_ids(conf)
    model = {
        "fcnet_hiddens": list(ppo.hidden_sizes),
        "fcnet_activation": ppo.activation,
        "vf_share_layers": False,
    }
    return (
        PPOConfig()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .framework("torch")
        .environment(env_cls or default_env_class(), env_config=env_config(conf))
        .env_runners(
            num_env_runners=ppo.num_env_runners,
            num_envs_per_env_runner=ppo.num_envs_per_env_runner,
            rollout_fragment_length=ppo.rollout_fragment_length,
            batch_mode="truncate_episodes",
            num_cpus_per_env_runner=1,
        )
        .learners(num_learners=0)
        .training(
            lr=ppo.lr,
            train_batch_size_per_learner=ppo.train_batch_size,
            minibatch_size=ppo.minibatch_size,
            num_epochs=ppo.num_epochs,
            gamma=ppo.gamma,
            lambda_=ppo.gae_lambda,
            clip_param=ppo.clip_param,
            entropy_coeff=ppo.entropy_coeff,
            vf_loss_coeff=ppo.vf_loss_coeff,
            grad_clip=ppo.grad_clip,
        )
        .multi_agent(
            policies=set(modules),
            policy_mapping_fn=AgentToModule(mapping),
            policies_to_train=modules,
        )
        .rl_module(
            rl_module_spec=MultiRLModuleSpec(
                rl_module_specs={module: RLModuleSpec() for module in modules}
            ),
            model_config=model,
        )
        .reporting(metrics_num_episodes_for_smoothing=20)
        .debugging(seed=conf.seed, log_level="WARN")
    )


def set_torch_threads(threads: int) -> None:
    """Pin torch's intra-op threads (2 shared cores: oversubscription costs more than it gives)."""
    import torch

    torch.set_num_threads(threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


@contextmanager
def ray_session(conf: RayConf) -> Iterator[None]:
    """Connect to the configured cluster or start a local Ray; shut down only what we started."""
    if ray.is_initialized():
        yield
        return
    if conf.address is None:
        # "local" always starts a fresh instance, even if a `ray start` cluster is around.
        ray.init(
            address="local", num_cpus=conf.num_cpus, include_dashboard=False, log_to_driver=True
        )
    else:
        ray.init(address=conf.address, log_to_driver=True)
    try:
        yield
    finally:
        ray.shutdown()
