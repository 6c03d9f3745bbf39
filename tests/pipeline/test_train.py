"""Training is a function of the config and its seed: same seed, same curves and weights.

Each training runs in its own process with its own PYTHONHASHSEED, as two `python -m pipeline`
runs would (set iteration order and Ray's per-process state must not leak into the numbers).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from pipeline.paths import PROJECT_ROOT
from pipeline.policy import load_policies

TRAIN_SCRIPT = """
import json, sys
from hydra import compose, initialize_config_dir
from pipeline.config import load
from pipeline.paths import PROJECT_ROOT
from pipeline.train import train

seed, out = int(sys.argv[1]), sys.argv[2]
with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
    cfg = compose(config_name="config", overrides=[
        "+experiment=smoke", f"seed={seed}", "ray.num_cpus=1", "ppo.num_epochs=2",
        "ppo.iterations=2", "ppo.hidden_sizes=[16,16]",
    ])
result = train(load(cfg), out)
print("HISTORY=" + json.dumps(result.history))
"""


def train_in_subprocess(seed: int, out: Path, hash_seed: str) -> list[dict[str, float]]:
    """Train the tiny config in a fresh interpreter; its per-iteration metrics."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_SCRIPT, str(seed), str(out)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("HISTORY="))
    history: list[dict[str, float]] = json.loads(line.removeprefix("HISTORY="))
    return history


def without_timings(history: list[dict[str, float]]) -> list[dict[str, Any]]:
    """The metrics that must reproduce (wall-clock timings aside); NaN made comparable."""
    return [
        {k: ("nan" if math.isnan(v) else v) for k, v in row.items() if k != "train/time_s"}
        for row in history
    ]


def weights(checkpoint: Path) -> Weights:
    """Every policy's parameters in a checkpoint."""
    return {name: p.module.state_dict() for name, p in load_policies(checkpoint).items()}


Weights = dict[str, dict[str, torch.Tensor]]


def same_weights(a: Weights, b: Weights) -> bool:
    return a.keys() == b.keys() and all(
        a[m].keys() == b[m].keys() and all(torch.equal(a[m][k], b[m][k]) for k in a[m])
        for m in a
    )


@pytest.mark.slow
def test_same_seed_same_curves_and_weights_other_seed_differs(tmp_path: Path) -> None:
    first = train_in_subprocess(3, tmp_path / "a", hash_seed="1")
    again = train_in_subprocess(3, tmp_path / "b", hash_seed="2")
    other = train_in_subprocess(4, tmp_path / "c", hash_seed="1")
    assert len(first) == 2
    assert all(math.isfinite(row["train/momentum/policy_loss"]) for row in first)
    assert without_timings(first) == without_timings(again)
    assert same_weights(weights(tmp_path / "a"), weights(tmp_path / "b"))
    assert without_timings(first) != without_timings(other)
    assert not same_weights(weights(tmp_path / "a"), weights(tmp_path / "c"))


def test_rllib_seeds_of_nearby_training_seeds_are_far_apart() -> None:
    # RLlib seeds runner w, env i with seed + w + i: consecutive replicate seeds must not collide.
    from pipeline.rllib import rllib_seed

    seeds = [rllib_seed(s) for s in range(100)]
    assert len(set(seeds)) == 100
    gaps = [abs(a - b) for i, a in enumerate(seeds) for b in seeds[i + 1 :]]
    assert min(gaps) > 10_000
    assert rllib_seed(7) == rllib_seed(7) and all(0 <= s < 2**31 for s in seeds)


TINY = {
    "seed": 1,
    "market": {"episode_length": 100},
    "events": {"schedule": [{"type": "flash_crash", "step": 50, "duration": 5}]},
    "ppo": {"train_batch_size": 200, "rollout_fragment_length": 100, "minibatch_size": 100,
            "num_epochs": 1, "hidden_sizes": [16, 16], "num_env_runners": 0,
            "num_envs_per_env_runner": 2},
}  # fmt: skip


@pytest.mark.slow
def test_restored_checkpoint_acts_like_the_trained_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray
    from ray.rllib.core.columns import Columns

    from pipeline.config import load
    from pipeline.rllib import build_ppo_config

    conf = load(TINY)
    obs = np.random.default_rng(0).normal(0.0, 2.0, (64, 15)).astype(np.float32)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        algo = build_ppo_config(conf).build_algo()
        try:
            algo.train()
            expected = {}
            for module_id in ("adaptive", "mean_reversion", "momentum"):
                module = algo.get_module(module_id)
                with torch.no_grad():
                    out = module.forward_inference({Columns.OBS: torch.from_numpy(obs)})
                expected[module_id] = out[Columns.ACTION_DIST_INPUTS].numpy()
            algo.save_to_path(str(tmp_path / "checkpoint"))
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    monkeypatch.chdir(tmp_path)
    policies = load_policies(Path("checkpoint"))  # relative: RLlib alone refuses it
    assert sorted(policies) == sorted(expected)
    for module_id, logits in expected.items():
        restored = policies[module_id]
        np.testing.assert_array_equal(restored.logits(obs), logits)
        np.testing.assert_array_equal(restored.act_batch(obs), np.argmax(logits, axis=1))
        # The batch is not degenerate: the logits differ between observations.
        assert np.ptp(logits, axis=0).max() > 0
