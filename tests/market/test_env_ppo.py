"""End to end: one tiny PPO iteration (RLlib new API stack, CPU) on MultiAgentMarketEnv."""

from __future__ import annotations

import math

import pytest

from market.env import MultiAgentMarketEnv

AGENTS = ("momentum", "mean_reversion", "adaptive")


@pytest.mark.slow
def test_one_ppo_iteration_trains_every_policy() -> None:
    ray = pytest.importorskip("ray")
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

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
            result = algo.train()
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    returns = result["env_runners"]["module_episode_returns_mean"]
    assert set(returns) == set(AGENTS)
    assert all(math.isfinite(v) for v in returns.values())
    learners = result["learners"]
    for agent in AGENTS:
        assert math.isfinite(learners[agent]["policy_loss"])
