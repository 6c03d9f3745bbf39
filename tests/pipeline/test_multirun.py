"""Hydra multirun (-m): one job per combination, one MLflow parent run (and its replicate run)
per job (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from pipeline.paths import PROJECT_ROOT
from pipeline.tracking import KIND_TAG, PARENT_TAG
from tests.conftest import store_overrides


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_multirun_gives_one_finished_parent_run_per_job(tmp_path: Path) -> None:
    env = {**os.environ, "THINKING_MARKET_OUTPUTS": str(tmp_path / "outputs"),
           "RAY_AUTH_MODE": "disabled"}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "-m", "+experiment=smoke",
         "hypotheses.counterfactual=noise,removed", "hypotheses.eval_seeds=2",
         *store_overrides(tmp_path)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    smoke = client.get_experiment_by_name("smoke")
    assert smoke is not None
    runs = client.search_runs([smoke.experiment_id])
    parents = [r for r in runs if r.data.tags[KIND_TAG] == "pipeline"]
    assert sorted(r.data.params["hypotheses.counterfactual"] for r in parents) == [
        "noise", "removed"
    ]
    assert all(r.info.status == "FINISHED" for r in runs)
    children = [r for r in runs if r.data.tags[KIND_TAG] == "replicate"]
    assert sorted(r.data.tags[PARENT_TAG] for r in children) == sorted(
        r.info.run_id for r in parents
    )  # one replicate run per job
    jobs = sorted(p.name for p in (tmp_path / "outputs" / "multirun" / "smoke").glob("*/*")
                  if p.is_dir())
    assert jobs == ["0", "1"]
