"""Trained policies for inference: one RLModule per policy, restored from an RLlib checkpoint.

Used by the evaluation and by the API: no Ray cluster, no Algorithm, just the modules'
``forward_inference`` and a greedy argmax over the action logits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule

MODULES_SUBDIR = Path("learner_group") / "learner" / "rl_module"
MAPPING_FILE = "agent_to_module.json"
CHECKPOINT_ARTIFACT = "checkpoint"


@dataclass
class TrainedPolicy:
    """A restored RLModule acting greedily (argmax of its action logits)."""

    name: str
    module: Any

    def logits(self, obs: np.ndarray) -> np.ndarray:
        """Action logits for one observation (1-d) or a batch (2-d)."""
        batch = np.atleast_2d(np.asarray(obs, dtype=np.float32))
        with torch.no_grad():
            out = self.module.forward_inference({Columns.OBS: torch.from_numpy(batch)})
        logits: np.ndarray = out[Columns.ACTION_DIST_INPUTS].numpy()
        return logits

    def act(self, obs: np.ndarray) -> int:
        """The greedy Discrete(3) action for one observation: 0 hold, 1 buy, 2 sell."""
        return int(np.argmax(self.logits(obs)[0]))

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        """Greedy actions for a batch of observations (one row each)."""
        return np.argmax(self.logits(obs), axis=1)


def module_ids(checkpoint_dir: Path) -> list[str]:
    """The policy (RLModule) ids stored in a checkpoint."""
    root = Path(checkpoint_dir) / MODULES_SUBDIR
    if not root.is_dir():
        raise ValueError(
            f"checkpoint_dir {checkpoint_dir} has no {MODULES_SUBDIR} (not an RLlib checkpoint?)"
        )
    return sorted(path.name for path in root.iterdir() if path.is_dir())


def agent_to_module(checkpoint_dir: Path) -> dict[str, str]:
    """RL agent name -> policy id, as saved by training (identity when one policy per agent)."""
    mapping_file = Path(checkpoint_dir) / MAPPING_FILE
    if mapping_file.is_file():
        mapping: dict[str, str] = json.loads(mapping_file.read_text())
        return mapping
    return {module: module for module in module_ids(checkpoint_dir)}


def load_policies(checkpoint_dir: Path, names: list[str] | None = None) -> dict[str, TrainedPolicy]:
    """Restore the named policies (all by default) of a checkpoint for inference.

    ``checkpoint_dir`` may be relative (to the cwd): RLlib needs an absolute path or URI.
    """
    checkpoint_dir = Path(checkpoint_dir).resolve()
    available = module_ids(checkpoint_dir)
    wanted = available if names is None else list(names)
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise ValueError(f"names {unknown} not in checkpoint {checkpoint_dir} (has {available})")
    root = checkpoint_dir / MODULES_SUBDIR
    policies = {}
    for name in wanted:
        module: Any = RLModule.from_checkpoint(root / name)
        module.eval()
        policies[name] = TrainedPolicy(name, module)
    return policies


def download_checkpoint(tracking_uri: str, run_id: str, dst: Path) -> Path:
    """Download a run's ``checkpoint/`` artifact into ``dst``; returns the checkpoint dir."""
    import mlflow.artifacts

    Path(dst).mkdir(parents=True, exist_ok=True)
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id,
        artifact_path=CHECKPOINT_ARTIFACT,
        dst_path=str(dst),
        tracking_uri=tracking_uri,
    )
    return Path(local)
