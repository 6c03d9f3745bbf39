"""Ctrl-C or SIGTERM on a real `python -m pipeline` run: the MLflow parent run and its replicate
run end KILLED with what they had logged."""

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
from pipeline.tracking import KIND_TAG
from tests.conftest import store_overrides

pytestmark = pytest.mark.slow

# Printed by the driver after it logged iteration 2 of replicate 0 to MLflow.
MARKER = "[tune] replicate 0 (variant 0) iteration 2 logged"


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


@pytest.mark.timeout(420)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_training_marks_the_runs_killed(
    signum: signal.Signals, tmp_path: Path
) -> None:
    env = {**os.environ, "THINKING_MARKET_OUTPUTS": str(tmp_path / "outputs"),
           "RAY_AUTH_MODE": "disabled", "PYTHONUNBUFFERED": "1"}
    stderr_path = tmp_path / "stderr.txt"
    # stderr goes to a file: an unread pipe fills up (Ray and Tune log a lot) and hangs the run.
    with open(stderr_path, "w") as stderr_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "+experiment=smoke", "ppo.iterations=200",
             *store_overrides(tmp_path)],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr_file, text=True,
        )
        try:
            _wait_for_line(proc, MARKER, timeout=240)
            proc.send_signal(signum)
            proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = stderr_path.read_text()
    assert proc.returncode != 0
    assert "ended KILLED" in stderr, stderr[-3000:]
    assert "ended FAILED" not in stderr
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("smoke")
    assert experiment is not None
    runs = {r.data.tags[KIND_TAG]: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {"pipeline", "replicate"}
    assert runs["pipeline"].info.status == "KILLED"
    assert runs["pipeline"].data.params["ppo.lr"] == "5e-05"
    replicate = runs["replicate"]
    assert replicate.info.status == "KILLED"
    history = client.get_metric_history(replicate.info.run_id, "train/env_steps")
    assert [m.step for m in history][:2] == [1, 2], "the iterations finished before are kept"
