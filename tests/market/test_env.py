"""MultiAgentMarketEnv: RLlib's checker, spaces, truncation, determinism, agents at run time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ray.rllib.utils.pre_checks.env import check_multiagent_environments

from market.env import MultiAgentMarketEnv
from market.observation import OBS_DIM

SMALL = {"episode_length": 30, "market": {"warmup_steps": 10}}


def rollout(env: MultiAgentMarketEnv, seed: int, action_seed: int = 0) -> tuple[list, list]:
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(action_seed)
    observations, rewards = [obs], []
    done = False
    while not done:
        obs, rew, _, trunc, _ = env.step({a: int(rng.integers(3)) for a in env.agents})
        observations.append(obs)
        rewards.append(rew)
        done = trunc["__all__"]
    return observations, rewards


def test_passes_rllib_checker_with_default_config() -> None:
    env = MultiAgentMarketEnv()
    check_multiagent_environments(env)
    assert env.possible_agents == ["momentum", "mean_reversion", "adaptive"]
    assert set(env.observation_spaces) == set(env.action_spaces) == set(env.possible_agents)


def test_observations_are_finite_in_space_and_o1() -> None:
    env = MultiAgentMarketEnv({"episode_length": 300})
    observations, rewards = rollout(env, seed=1)
    stacked = np.stack([o[a] for o in observations for a in env.agents])
    assert stacked.dtype == np.float32 and stacked.shape[1] == OBS_DIM
    for o in observations:
        for agent, x in o.items():
            assert env.observation_spaces[agent].contains(x)
    assert np.isfinite(stacked).all()
    assert np.abs(stacked).mean(axis=0).max() < 3.0
    assert all(np.isfinite(r) for step in rewards for r in step.values())


def test_truncation_gives_final_obs_and_reward_to_every_agent() -> None:
    env = MultiAgentMarketEnv(SMALL)
    env.reset(seed=0)
    for t in range(30):
        obs, rew, term, trunc, info = env.step({"momentum": 1})
        last = t == 29
        assert trunc == {**dict.fromkeys(env.agents, last), "__all__": last}
        assert term == {**dict.fromkeys(env.agents, False), "__all__": False}
        assert set(obs) == set(rew) == set(info) == set(env.agents)
    assert len(env.market_record()) == 30 and len(env.agent_record()) == 90


def test_same_seed_and_actions_reproduce_everything() -> None:
    a, b = MultiAgentMarketEnv(SMALL), MultiAgentMarketEnv(SMALL)
    obs_a, rew_a = rollout(a, seed=5)
    obs_b, rew_b = rollout(b, seed=5)
    assert rew_a == rew_b
    for x, y in zip(obs_a, obs_b, strict=True):
        assert all(np.array_equal(x[k], y[k]) for k in x)
    pd.testing.assert_frame_equal(a.market_record(), b.market_record())
    pd.testing.assert_frame_equal(a.agent_record(), b.agent_record())
    obs_c, _ = rollout(a, seed=6)
    pairs = zip(obs_a, obs_c, strict=True)
    assert not all(np.array_equal(x["adaptive"], y["adaptive"]) for x, y in pairs)


def test_config_seed_is_used_on_first_reset_then_episodes_differ() -> None:
    a, b = MultiAgentMarketEnv({**SMALL, "seed": 3}), MultiAgentMarketEnv({**SMALL, "seed": 3})
    first_a = rollout_mid(a)
    assert first_a == rollout_mid(b)
    assert rollout_mid(a) != first_a


def rollout_mid(env: MultiAgentMarketEnv) -> list[float]:
    env.reset()
    for _ in range(30):
        env.step({})
    return env.market_record()["mid"].tolist()


def test_actions_map_to_market_orders_and_records() -> None:
    env = MultiAgentMarketEnv(
        {
            **SMALL,
            "agents": [{"name": "solo", "style": "adaptive", "order_size": 10, "max_position": 20}],
        }
    )
    env.reset(seed=2)
    for action in (1, 1, 1, 0, 2):
        env.step({"solo": action})
    rec = env.agent_record()
    assert rec["action"].tolist() == [1, 1, 0, 0, -1]
    assert rec["position"].tolist() == [10, 20, 20, 20, 10]
    obs = env.observe("solo")
    assert obs[11] == pytest.approx(0.5)
    acc = env.accounts()
    assert acc.loc[acc["agent_id"] == "solo", "shares"].item() == 10
    assert len(acc) == 100 + 1 + 1  # background traders, the stress seller, the RL agent


@pytest.mark.parametrize(("action", "error"), [(3, ValueError), (1.5, ValueError)])
def test_invalid_action_raises(action: object, error: type[Exception]) -> None:
    env = MultiAgentMarketEnv(SMALL)
    env.reset(seed=0)
    with pytest.raises(error):
        env.step({"momentum": action})
    with pytest.raises(KeyError):
        env.step({"nobody": 0})


def test_add_and_remove_rl_agents_at_run_time() -> None:
    env = MultiAgentMarketEnv(SMALL)
    env.reset(seed=0)
    env.step({})
    env.add_rl_agent("late", "mean_reversion", order_size=5)
    obs, rew, *_ = env.step({"late": 1})
    assert "late" in obs and "late" in rew and "late" in env.observation_spaces
    env.remove_rl_agent("momentum")
    obs, *_ = env.step({})
    assert set(obs) == {"mean_reversion", "adaptive", "late"}
    assert env.possible_agents == ["mean_reversion", "adaptive", "late"]
    with pytest.raises(ValueError, match="late"):
        env.add_rl_agent("late", "adaptive")
    with pytest.raises(KeyError):
        env.remove_rl_agent("momentum")
    obs, _ = env.reset(seed=1)
    assert set(obs) == {"mean_reversion", "adaptive", "late"}


def test_any_number_of_agents_and_styles() -> None:
    agents = [{"name": f"m{i}", "style": "momentum"} for i in range(5)]
    env = MultiAgentMarketEnv({**SMALL, "agents": agents})
    check_multiagent_environments(env)
    obs, _ = env.reset(seed=0)
    assert list(obs) == [f"m{i}" for i in range(5)]


def test_no_agents_still_steps() -> None:
    env = MultiAgentMarketEnv({**SMALL, "agents": []})
    obs, _ = env.reset(seed=0)
    obs, rew, _, trunc, _ = env.step({})
    assert obs == {} and rew == {} and trunc == {"__all__": False}


def test_scheduled_events_reach_the_market_record() -> None:
    env = MultiAgentMarketEnv(
        {**SMALL, "events": [{"type": "liquidity_shock", "step": 5, "duration": 3}]}
    )
    rollout(env, seed=0)
    assert env.market_record().loc[lambda d: d["stress"], "step"].tolist() == [5, 6, 7]
