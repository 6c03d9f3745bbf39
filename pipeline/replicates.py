"""Replicated training: K independent PPO trainings of one config (no Ray imported here).

Replicate ``r`` of a run with top-level ``seed`` trains with the seed
``SeedSequence([seed, REPLICATE_STREAM, r]).generate_state(1)[0] % 2**31``: independent
streams per replicate, a pure function of ``seed`` and ``r``. Evaluation seeds stay derived
from ``seed`` alone, so every replicate is evaluated on the same paired seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from pipeline.config import ExperimentConf

REPLICATE_STREAM = 1  # SeedSequence spawn key of the training seeds (evaluation uses others)


def replicate_seed(seed: int, index: int) -> int:
    """The training seed of replicate ``index`` of a run seeded with ``seed``."""
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index!r}")
    state = np.random.SeedSequence([seed, REPLICATE_STREAM, index]).generate_state(1)[0]
    return int(state % 2**31)


def replicate_conf(conf: ExperimentConf, index: int) -> ExperimentConf:
    """A copy of ``conf`` whose ``seed`` is replicate ``index``'s training seed (contract C3)."""
    return replace(conf, seed=replicate_seed(conf.seed, index))


@dataclass
class ReplicateOutcome:
    """One trained replicate: its index, training seed, checkpoint, curve and MLflow run."""

    index: int
    seed: int
    status: str  # FINISHED | FAILED | KILLED
    checkpoint_dir: Path | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    run_id: str = ""
    error: str = ""


def mean_history(histories: Sequence[list[dict[str, float]]]) -> list[dict[str, float]]:
    """Per iteration, the mean over replicates of every metric (NaNs ignored; shortest length)."""
    if not histories:
        return []
    length = min(len(history) for history in histories)
    rows = []
    for i in range(length):
        keys = sorted({key for history in histories for key in history[i]})
        row = {}
        for key in keys:
            values = [h[i][key] for h in histories if key in h[i] and math.isfinite(h[i][key])]
            row[key] = float(np.mean(values)) if values else math.nan
        rows.append(row)
    return rows
