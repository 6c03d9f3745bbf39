"""Where the project keeps its outputs, whatever the working directory.

Hydra and Ray Tune change the working directory of a run; every path that outlives a
run (the MLflow store, its artifacts, Tune's storage) is anchored at the project root.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def outputs_dir() -> Path:
    """The git-ignored outputs folder (env THINKING_MARKET_OUTPUTS overrides it), made on demand."""
    path = Path(os.environ.get("THINKING_MARKET_OUTPUTS", PROJECT_ROOT / "outputs")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_tracking_uri() -> str:
    """The embedded MLflow store: ``MLFLOW_TRACKING_URI`` if set, else ``outputs/mlflow.db``."""
    env_uri = os.environ.get("MLFLOW_TRACKING_URI")
    if env_uri:
        return env_uri
    return f"sqlite:///{outputs_dir() / 'mlflow.db'}"


def default_artifact_root() -> str:
    """Artifact root for experiments created in the embedded store (absolute, never ./mlruns)."""
    return (outputs_dir() / "mlartifacts").as_uri()
