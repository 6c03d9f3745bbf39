"""Shared fixtures: the real conf/ composed with Hydra, and one smoke experiment per session.

``smoke_run`` runs ``+experiment=smoke`` once (real PPO, real MLflow SQLite store in a temp dir)
and is shared by the pipeline and API tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

import pipeline.config  # noqa: F401  (registers the config schema and resolvers)
from pipeline.paths import PROJECT_ROOT

CONF_DIR = PROJECT_ROOT / "conf"


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose conf/config.yaml with Hydra overrides, as `python -m pipeline` would."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides or []))


def store_overrides(root: Path) -> list[str]:
    """Overrides that point MLflow at an SQLite store (and artifacts) under ``root``."""
    uri = f"sqlite:///{root / 'mlflow.db'}"
    artifacts = (root / "mlartifacts").as_uri()
    return [f"tracking.uri='{uri}'", f"tracking.artifact_root='{artifacts}'"]


@dataclass(frozen=True)
class SmokeRun:
    """Where the session's smoke experiment was recorded."""

    tracking_uri: str
    run_id: str
    experiment_name: str
    report_path: Path
    root: Path
    hypotheses: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmokeRun]:
    """Run the smoke experiment once per session into a temporary MLflow store."""
    from pipeline.experiment import run

    root = tmp_path_factory.mktemp("smoke_run")
    saved = os.environ.get("THINKING_MARKET_OUTPUTS")
    os.environ["THINKING_MARKET_OUTPUTS"] = str(root / "outputs")
    try:
        result = run(compose_config(["+experiment=smoke", *store_overrides(root)]))
    finally:
        if saved is None:
            os.environ.pop("THINKING_MARKET_OUTPUTS", None)
        else:
            os.environ["THINKING_MARKET_OUTPUTS"] = saved
    yield SmokeRun(
        tracking_uri=result.tracking_uri,
        run_id=result.run_id,
        experiment_name=result.experiment_name,
        report_path=result.report_path,
        root=root,
        hypotheses=result.hypotheses,
    )
