"""The env's array face (`reset_array`/`step_array`) is the dict face without the dicts."""

from __future__ import annotations

import numpy as np
import pytest

from market.env import MultiAgentMarketEnv

CONFIG = {"episode_length": 60, "market": {"warmup_steps": 10},
          "events": [{"type": "flash_crash", "step": 20, "duration": 10}]}  # fmt: skip


def test_array_face_gives_the_dict_faces_numbers_records_and_truncation() -> None:
    by_dict, by_array = MultiAgentMarketEnv(CONFIG), MultiAgentMarketEnv(CONFIG)
    obs = by_dict.reset(seed=7)[0]
    obs_arr = by_array.reset_array(seed=7)
    names = by_dict.agents
    assert by_array.agents == names
    np.testing.assert_array_equal(obs_arr, np.stack([obs[n] for n in names]))
    assert obs_arr.dtype == np.float32 and obs_arr.shape == (len(names), 15)
    actions = np.random.default_rng(3).integers(0, 3, size=(60, len(names)))
    for t, row in enumerate(actions):
        obs, rewards, _, truncated, _ = by_dict.step(dict(zip(names, row.tolist(), strict=True)))
        obs_arr, rewards_arr, done = by_array.step_array(row)
        np.testing.assert_array_equal(obs_arr, np.stack([obs[n] for n in names]))
        np.testing.assert_array_equal(rewards_arr, [rewards[n] for n in names])
        assert done == truncated["__all__"] == (t == 59)
    assert (actions != 0).any()
    assert by_array.market_record().equals(by_dict.market_record())
    assert by_array.agent_record().equals(by_dict.agent_record())


def test_array_face_refuses_bad_actions_and_a_step_before_reset() -> None:
    env = MultiAgentMarketEnv(CONFIG)
    with pytest.raises(RuntimeError, match="reset"):
        env.step_array(np.zeros(3, dtype=np.int64))
    env.reset_array(seed=1)
    bad_actions = [
        (np.zeros(2, dtype=np.int64), "shape"), (np.zeros((3, 1), dtype=int), "shape"),
        (np.zeros(3), "integer"), (np.array([0, 3, 1]), "0 HOLD"), (np.array([-1, 0, 0]), "0 HOLD"),
    ]  # fmt: skip
    for bad, match in bad_actions:
        with pytest.raises(ValueError, match=match):
            env.step_array(bad)
    assert env.simulator.step_count == 0  # nothing was stepped by a refused call
