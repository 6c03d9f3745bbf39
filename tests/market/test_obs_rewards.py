"""Observations and rewards pinned on fixed seeds: every entry of a stressed trajectory is compared
with the values recorded from the implementation before the env's fused observation-and-reward
kernel (float32 observations bit-identical, rewards to 1e-12).

The trajectory covers every style, every event type (an empty book side included), an RL agent
added and one removed mid-episode, `observe()`, and resets without a seed at episode ends.
Regenerate (only for an intended change, in its own commit):
`python -m tests.market.test_obs_rewards`.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from market.env import MultiAgentMarketEnv
from market.pettingzoo_env import parallel_env

PINNED = Path(__file__).parent / "data" / "obs_rewards.npz"
CONFIG = {
    "seed": 5,
    "episode_length": 150,
    "events": [
        {"type": "flash_crash", "step": 30, "duration": 6},
        {"type": "liquidity_shock", "step": 60, "duration": 30},
        {"type": "news_shock", "step": 100, "params": {"jump": 0.004}},
        {"type": "volatility_regime", "step": 120, "duration": 20, "params": {"scale": 2.5}},
    ],
    "agents": [
        {"name": "m", "style": "momentum", "order_size": 20, "max_position": 60},
        {"name": "r", "style": "mean_reversion", "inventory_penalty": 0.05},
        {"name": "a", "style": "adaptive", "risk_aversion": 0.3},
    ],
}
STEPS = 400


def trajectory() -> tuple[np.ndarray, np.ndarray]:
    """(obs rows float32, rewards: NaN for a reset's or observe()'s row) of the stressed run."""
    env = MultiAgentMarketEnv(CONFIG)
    rng = np.random.default_rng(11)
    obs_rows: list[np.ndarray] = []
    rewards: list[float] = []

    def keep(obs: dict[str, np.ndarray], rew: dict[str, float] | None) -> None:
        for name in sorted(obs):
            obs_rows.append(obs[name])
            rewards.append(np.nan if rew is None else rew[name])

    obs, _ = env.reset(seed=CONFIG["seed"])
    keep(obs, None)
    for t in range(STEPS):
        if t == 40:
            env.add_rl_agent("late", "momentum", order_size=7, trend_weight=0.2)
        if t == 90:
            env.remove_rl_agent("r")
        if t == 95:
            keep({"late": env.observe("late")}, None)
        obs, rew, _, truncated, _ = env.step({a: int(rng.integers(3)) for a in env.agents})
        keep(obs, rew)
        if truncated["__all__"]:
            obs, _ = env.reset()
            keep(obs, None)
    return np.stack(obs_rows), np.array(rewards)


def test_observations_are_bit_identical_and_rewards_equal_to_the_pinned_run() -> None:
    obs, rewards = trajectory()
    pinned = np.load(PINNED)
    assert obs.dtype == np.float32
    np.testing.assert_array_equal(obs, pinned["obs"])
    np.testing.assert_allclose(rewards, pinned["rewards"], rtol=0, atol=1e-12)
    assert np.count_nonzero(pinned["obs"][:, 5] == 10.0) > 0  # a side of the book was empty


def test_the_pettingzoo_env_gives_the_pinned_values_too() -> None:
    # Without agents joining or leaving (not part of PettingZoo's API): the first 40 steps.
    env, ref = parallel_env(CONFIG), MultiAgentMarketEnv(CONFIG)
    rng = np.random.default_rng(2)
    obs, _ = env.reset(seed=1)
    ref_obs, _ = ref.reset(seed=1)
    for _ in range(40):
        actions = {a: int(rng.integers(3)) for a in env.agents}
        obs, rew, _, _, _ = env.step(actions)
        ref_obs, ref_rew, _, _, _ = ref.step(actions)
        assert rew == ref_rew
        for name in obs:
            np.testing.assert_array_equal(obs[name], ref_obs[name])
    np.testing.assert_array_equal(env.state(), ref_obs["m"])


@pytest.mark.parametrize("steps", [1, 2])
def test_observations_are_fresh_arrays_each_step(steps: int) -> None:
    # RLlib keeps the previous step's observations: a step must not overwrite them.
    env = MultiAgentMarketEnv(CONFIG)
    first, _ = env.reset(seed=3)
    kept = {k: v.copy() for k, v in first.items()}
    for _ in range(steps):
        env.step({"m": 1, "r": 2, "a": 1})
    for name in kept:
        np.testing.assert_array_equal(first[name], kept[name])


def test_a_pickled_env_continues_exactly_like_the_original() -> None:
    env = MultiAgentMarketEnv(CONFIG)
    env.reset(seed=4)
    env.step({"m": 1, "r": 2})
    clone = pickle.loads(pickle.dumps(env))
    for t in range(20):
        actions = {"m": t % 3, "r": (t + 1) % 3, "a": 1}
        obs, rew, *_ = env.step(actions)
        obs_c, rew_c, *_ = clone.step(actions)
        assert rew == rew_c
        for name in obs:
            np.testing.assert_array_equal(obs[name], obs_c[name])


if __name__ == "__main__":
    PINNED.parent.mkdir(exist_ok=True)
    o, r = trajectory()
    np.savez_compressed(PINNED, obs=o, rewards=r)
    print(f"wrote {PINNED}: {o.shape[0]} rows")
