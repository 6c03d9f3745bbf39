"""End to end: one tiny PPO iteration (RLlib new API stack, CPU) on MultiAgentMarketEnv."""

from __future__ import annotations

import math

import numpy as np
import pytest
import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

from market.env import MultiAgentMarketEnv

AGENTS = ("momentum", "mean_reversion", "adaptive")


def learner_weights(algo: object) -> dict[str, dict[str, np.ndarray]]:
    """Every module's parameters as numpy arrays, from the learner (what training changes)."""
    state = algo.learner_group.get_weights()  # type: ignore[attr-defined]
    return {
        m: {k: np.array(v, copy=True) for k, v in state[m].items() if not k.endswith("_const")}
        for m in AGENTS
    }  # "*_const" entries are fixed buffers (log-std clip), not parameters


@pytest.mark.slow
def test_one_ppo_iteration_changes_every_policy_and_logs_finite_losses() -> None:
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        config = (
            PPOConfig()
            .environment(MultiAgentMarketEnv, env_config={"episode_length": 100, "seed": 0})
            .env_runners(num_env_runners=0, rollout_fragment_length=200)
            .multi_agent(
                policies=set(AGENTS),
                policy_mapping_fn=lambda agent_id, episode, **kwargs: agent_id,
            )
            .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=[16, 16]))
            .training(train_batch_size=200, minibatch_size=64, num_epochs=1)
            .debugging(seed=0)
        )
        algo = config.build_algo()
        try:
            before = learner_weights(algo)
            result = algo.train()
            after = learner_weights(algo)
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    assert result["env_runners"]["num_env_steps_sampled"] == 200
    returns = result["env_runners"]["module_episode_returns_mean"]
    assert set(returns) == set(AGENTS)
    assert all(math.isfinite(v) for v in returns.values())
    for agent in AGENTS:
        learned = result["learners"][agent]
        for key in ("policy_loss", "vf_loss", "entropy", "mean_kl_loss"):
            assert math.isfinite(learned[key]), (agent, key, learned[key])
        assert 0.0 < learned["entropy"] <= math.log(3) + 1e-6
        assert before[agent].keys() == after[agent].keys()
        old, new = before[agent], after[agent]
        changed = [k for k in old if not np.array_equal(old[k], new[k])]
        # Every layer of the policy and the value net moved (one SGD pass over 200 steps).
        assert set(changed) == set(old), (agent, set(old) - set(changed))
