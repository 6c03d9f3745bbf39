"""RLlib wiring: the only module that builds an AlgorithmConfig (PPO, new API stack, torch).

Also owns the Ray session; the env config and the agent -> RLModule mapping live in
pipeline.envconf (no Ray import), so training, sweeps and benchmarks all run the very same setup.

Reproducibility: training is a function of the config and ``conf.seed``. RLlib's seed is derived
from it (``rllib_seed``); RLlib then seeds random/numpy/torch in the driver (module init, the
learner's minibatch shuffling) and gives env runner ``w`` seed ``rllib_seed + w`` and its ``i``-th
env ``rllib_seed + w + i`` on the first reset (later resets draw from the env's own Generator).
Every iteration samples exactly ``train_batch_size`` market steps: no minimum time, no sample
timeout (ray issue #27292). With ``num_env_runners=0`` (the default) sampling and learning run in
one process and two trainings of one config are identical; with remote runners the sampling is
still seeded per runner, but the order in which RLlib concatenates the runners' episodes is not
guaranteed, so several remote runners are not bit-reproducible.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from pipeline.config import ExperimentConf, RayConf
from pipeline.env_runners import BatchedEnvRunner, LeanEnvRunner, has_array_face
from pipeline.envconf import (
    default_env_class,
    env_config,
    module_mapping,
    policy_ids,
)
from pipeline.learner import SortedPPOLearner

# PPO clips the squared value error at vf_clip_param (RLlib default 10); our episode returns are
# tens of reward units, so the default would zero the value gradient of most samples.
VF_CLIP_PARAM = 1_000.0
SEED_TAG = 20_241  # keeps RLlib's seed stream apart from the evaluation seeds of the same seed


def rllib_seed(seed: int) -> int:
    """RLlib's seed for training seed ``seed``: far from ``seed + k`` (consecutive replicate seeds
    would otherwise share env seeds, as RLlib offsets runner and env seeds by small integers)."""
    state = np.random.SeedSequence([SEED_TAG, int(seed)]).generate_state(1)[0]
    return int(state >> 2)


class AgentToModule:
    """A picklable policy_mapping_fn: looks the agent up in a fixed table."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = dict(mapping)

    def __call__(self, agent_id: Any, episode: Any = None, **kwargs: Any) -> str:
        return self.mapping[str(agent_id)]


def env_runner_class(env_cls: type) -> type[LeanEnvRunner]:
    """BatchedEnvRunner for envs with an array face (the market), else LeanEnvRunner."""
    return BatchedEnvRunner if has_array_face(env_cls) else LeanEnvRunner


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
    env_cls = env_cls or default_env_class()
    return (
        PPOConfig()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .framework("torch")
        .environment(env_cls, env_config=env_config(conf))
        .env_runners(
            env_runner_cls=env_runner_class(env_cls),
            num_env_runners=ppo.num_env_runners,
            num_envs_per_env_runner=ppo.num_envs_per_env_runner,
            rollout_fragment_length=ppo.rollout_fragment_length,
            batch_mode="truncate_episodes",
            num_cpus_per_env_runner=1,
            sample_timeout_s=None,  # a timeout would cut the iteration's data by wall clock
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
            vf_clip_param=VF_CLIP_PARAM,
            entropy_coeff=ppo.entropy_coeff,
            vf_loss_coeff=ppo.vf_loss_coeff,
            grad_clip=ppo.grad_clip,
            learner_class=SortedPPOLearner,
        )
        .multi_agent(
            policies=list(modules),
            policy_mapping_fn=AgentToModule(mapping),
            policies_to_train=modules,
        )
        .rl_module(
            rl_module_spec=MultiRLModuleSpec(
                rl_module_specs={module: RLModuleSpec() for module in modules}
            ),
            model_config=model,
        )
        .reporting(
            metrics_num_episodes_for_smoothing=20,
            min_time_s_per_iteration=None,
            min_sample_timesteps_per_iteration=0,
            min_train_timesteps_per_iteration=0,
        )
        .debugging(seed=rllib_seed(conf.seed), log_level="WARN")
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
