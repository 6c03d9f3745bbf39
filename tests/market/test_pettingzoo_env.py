"""The PettingZoo face: passes PettingZoo's own API test and is the same market as the RLlib env."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pettingzoo.test import parallel_api_test

from market.env import MultiAgentMarketEnv
from market.pettingzoo_env import parallel_env

CONFIG = {
    "episode_length": 60,
    "events": [{"type": "flash_crash", "step": 20, "duration": 3}],
    "agents": [
        {"name": "m", "style": "momentum", "order_size": 5, "max_position": 20},
        {"name": "r", "style": "mean_reversion"},
        {"name": "a", "style": "adaptive", "risk_aversion": 0.3},
    ],
}


def test_passes_the_pettingzoo_parallel_api_test() -> None:
    parallel_api_test(parallel_env(CONFIG), num_cycles=200)


def test_same_seed_and_actions_give_the_same_market_as_the_rllib_env() -> None:
    pz, rl = parallel_env(CONFIG), MultiAgentMarketEnv(CONFIG)
    obs_pz, _ = pz.reset(seed=13)
    obs_rl, _ = rl.reset(seed=13)
    rng = np.random.default_rng(0)
    for _ in range(CONFIG["episode_length"]):
        assert obs_pz.keys() == obs_rl.keys()
        for name in obs_pz:
            np.testing.assert_array_equal(obs_pz[name], obs_rl[name])
        actions = {n: int(a) for n, a in zip(pz.agents, rng.integers(0, 3, 3), strict=True)}
        obs_pz, rew_pz, _, trunc_pz, _ = pz.step(actions)
        obs_rl, rew_rl, _, trunc_rl, _ = rl.step(actions)
        assert rew_pz == rew_rl
        assert all(trunc_pz[n] == trunc_rl[n] for n in trunc_pz)
    assert trunc_rl["__all__"] and pz.agents == []
    pd.testing.assert_frame_equal(pz.market_record(), rl.market_record())
    pd.testing.assert_frame_equal(pz.agent_record(), rl.agent_record())
    pd.testing.assert_frame_equal(pz.accounts(), rl.accounts())
    assert pz.agent_record()["action"].abs().sum() > 0  # the agents did trade


def test_bad_actions_and_steps_after_the_end_raise() -> None:
    env = parallel_env({"episode_length": 2})
    env.reset(seed=1)
    with pytest.raises(ValueError, match="action"):
        env.step({"momentum": 3})
    with pytest.raises(KeyError, match="nobody"):
        env.step({"nobody": 1})
    env.step({})
    env.step({})
    with pytest.raises(RuntimeError, match="reset"):
        env.step({})


def test_only_the_rllib_env_imports_ray() -> None:
    """market/env.py is the one module of market/ that imports Ray; the PettingZoo face does not."""
    import subprocess
    import sys
    from pathlib import Path

    market = Path(__file__).resolve().parents[2] / "market"
    def imports_ray(path: Path) -> bool:
        lines = path.read_text().splitlines()
        return any(line.lstrip().startswith(("import ray", "from ray")) for line in lines)

    paths = [p for p in market.rglob("*.py") if imports_ray(p)]
    importers = sorted(p.relative_to(market).as_posix() for p in paths)
    assert importers == ["env.py"]
    code = "import sys, market.pettingzoo_env, market.simulator; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
