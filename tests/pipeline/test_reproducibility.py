"""Same config + seed = same numbers: a second smoke run equals the session's smoke run.

Compared: every MLflow metric of the parent and the replicate run (training curves step by
step, timings aside), hypotheses.json, the evaluation Parquet files and report.md (run ids
aside). Training itself must be deterministic for this to pass (pipeline.train / rllib).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pipeline.experiment import run
from tests.conftest import SmokeRun, compose_config, store_overrides
from tests.pipeline.test_smoke_experiment import replicate_runs

pytestmark = pytest.mark.slow

TIMINGS = ("train/time_s", "train/wall_time_s")


def _curves(client: MlflowClient, run_id: str) -> dict[str, list[tuple[int, float]]]:
    """Every metric's full history (step, value), timings left out."""
    keys = client.get_run(run_id).data.metrics
    return {
        key: [(m.step, m.value) for m in client.get_metric_history(run_id, key)]
        for key in sorted(keys) if key not in TIMINGS
    }


def _artifacts(client: MlflowClient, run_id: str, dst: Path) -> dict[str, Any]:
    hypotheses = client.download_artifacts(run_id, "hypotheses.json", str(dst))
    evaluation = Path(client.download_artifacts(run_id, "evaluation", str(dst)))
    report = Path(client.download_artifacts(run_id, "report.md", str(dst))).read_text()
    return {
        "hypotheses": json.loads(Path(hypotheses).read_text()),
        "tables": {p.stem: pd.read_parquet(p) for p in sorted(evaluation.glob("*.parquet"))},
        "report": report.replace(run_id, "<run>"),
    }


@pytest.mark.timeout(900)
def test_a_second_smoke_run_gives_identical_results(
    smoke_run: SmokeRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINKING_MARKET_OUTPUTS", str(tmp_path / "outputs"))
    second = run(compose_config(["+experiment=smoke", *store_overrides(tmp_path)]))
    first_client = MlflowClient(smoke_run.tracking_uri)
    second_client = MlflowClient(second.tracking_uri)
    (first_child,) = replicate_runs(first_client, smoke_run.run_id)
    (second_child,) = replicate_runs(second_client, second.run_id)
    assert _curves(first_client, first_child.info.run_id) == _curves(
        second_client, second_child.info.run_id
    ), "training curves differ (is training deterministic?)"
    assert _curves(first_client, smoke_run.run_id) == _curves(second_client, second.run_id)
    first = _artifacts(first_client, smoke_run.run_id, tmp_path / "a")
    again = _artifacts(second_client, second.run_id, tmp_path / "b")
    assert first["hypotheses"] == again["hypotheses"]
    assert list(first["tables"]) == ["actions", "learning", "market"]
    for name, table in first["tables"].items():
        pd.testing.assert_frame_equal(table, again["tables"][name], check_exact=True)
    assert first["report"] == again["report"]
