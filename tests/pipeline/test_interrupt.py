"""Ctrl-C on a real `python -m pipeline` run: the MLflow run ends KILLED with what it had logged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from pipeline.paths import PROJECT_ROOT
from tests.conftest import store_overrides

pytestmark = pytest.mark.slow


def _wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """Read stdout until a line contains `marker`; return the lines read."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"{marker!r} not seen in time; output:\n{''.join(lines)[-3000:]}")


def test_sigint_during_training_marks_the_run_killed(tmp_path: Path) -> None:
    env = {**os.environ, "THINKING_MARKET_OUTPUTS": str(tmp_path / "outputs"),
           "RAY_AUTH_MODE": "disabled", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "+experiment=smoke", "ppo.iterations=200",
         *store_overrides(tmp_path)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # iteration 2 printed: iteration 1 is surely logged (print comes before logging)
        _wait_for_line(proc, "[train] iter 2/200", timeout=240)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "KILLED" in stderr
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("smoke")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "KILLED"
    assert run.data.params["ppo.lr"] == "5e-05"
    history = client.get_metric_history(run.info.run_id, "train/env_steps")
    assert history, "the iterations finished before Ctrl-C are kept"
