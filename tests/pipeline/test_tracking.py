"""MLflow tracking on a real SQLite store: batching, artifact locations, run end states."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from mlflow.tracking import MlflowClient

from pipeline import experiment, tracking
from tests.conftest import compose_config, store_overrides


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def test_finished_run_with_batched_params_and_metrics(uri: str, tmp_path: Path) -> None:
    params = {f"group.key{i}": i for i in range(250)}
    with tracking.start_run("exp", tracking_uri=uri, kind="pipeline") as run:
        run.log_params(params)
        run.log_metrics({"a/b": 1.5, "nan": math.nan, "inf": math.inf}, step=3)
        run.log_history([(1, {"h": 1.0}), (2, {"h": 2.0})])
    client = MlflowClient(uri)
    data = client.get_run(run.run_id)
    assert data.info.status == "FINISHED"
    assert len(data.data.params) == 250 and data.data.params["group.key249"] == "249"
    assert data.data.metrics == {"a/b": 1.5, "h": 2.0}
    assert [m.step for m in client.get_metric_history(run.run_id, "h")] == [1, 2]
    assert data.data.tags[tracking.KIND_TAG] == "pipeline"
    experiment_ = client.get_experiment(data.info.experiment_id)
    assert experiment_.artifact_location == (tmp_path / "mlartifacts").resolve().as_uri()


def test_exception_ends_run_failed_and_is_reraised(
    uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with tracking.start_run("exp", tracking_uri=uri) as run:
            run.log_metrics({"before": 1.0})
            raise RuntimeError("boom")
    data = MlflowClient(uri).get_run(run.run_id)
    assert data.info.status == "FAILED"
    assert data.data.metrics == {"before": 1.0}
    assert "boom" in data.data.tags["thinking_market.error"]
    assert "ended FAILED: RuntimeError: boom" in capsys.readouterr().err


def test_keyboard_interrupt_ends_run_killed(uri: str) -> None:
    with pytest.raises(KeyboardInterrupt):
        with tracking.start_run("exp", tracking_uri=uri) as run:
            raise KeyboardInterrupt
    assert MlflowClient(uri).get_run(run.run_id).info.status == "KILLED"


def test_experiment_is_reused_and_child_runs_are_tagged(uri: str) -> None:
    with tracking.start_run("exp", tracking_uri=uri) as parent:
        pass
    with tracking.start_run("exp", tracking_uri=uri, parent_run_id=parent.run_id) as child:
        pass
    assert child.experiment_id == parent.experiment_id
    tags = MlflowClient(uri).get_run(child.run_id).data.tags
    assert tags[tracking.PARENT_TAG] == parent.run_id


def test_new_experiments_open_as_model_training_in_the_mlflow_ui(uri: str) -> None:
    with tracking.start_run("exp", tracking_uri=uri) as run:
        pass
    client = MlflowClient(uri)
    experiment_ = client.get_experiment(run.experiment_id)
    assert experiment_.tags[tracking.EXPERIMENT_KIND_TAG] == "custom_model_development"
    legacy = client.create_experiment("legacy")  # made before the tag existed
    with tracking.start_run("legacy", tracking_uri=uri):
        pass
    assert client.get_experiment(legacy).tags[tracking.EXPERIMENT_KIND_TAG] == (
        "custom_model_development"
    )


def test_sigterm_inside_sigterm_interrupts_ends_the_run_killed(uri: str) -> None:
    import os
    import signal

    from pipeline.interrupts import RunTerminated, sigterm_interrupts

    with pytest.raises(RunTerminated, match="SIGTERM"):
        with sigterm_interrupts(), tracking.start_run("exp", tracking_uri=uri) as run:
            run.log_metrics({"before": 1.0})
            os.kill(os.getpid(), signal.SIGTERM)
    data = MlflowClient(uri).get_run(run.run_id)
    assert data.info.status == "KILLED"
    assert data.data.metrics == {"before": 1.0}
    assert "SIGTERM" in data.data.tags["thinking_market.error"]
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back


def test_artifact_root_rules(tmp_path: Path) -> None:
    assert tracking.artifact_root_for("http://mlflow:5000") is None
    assert tracking.artifact_root_for("http://mlflow:5000", "s3://bucket/x") == "s3://bucket/x"
    db = tmp_path / "sub" / "m.db"
    assert tracking.artifact_root_for(f"sqlite:///{db}") == (db.parent / "mlartifacts").as_uri()


def _failing_train(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("trainer exploded")


def _interrupted_train(*args: Any, **kwargs: Any) -> None:
    raise KeyboardInterrupt


# Stand-ins for the replicated training (pipeline.tuning, tested end to end in test_replicates
# and test_interrupt): here only the parent run's end state is under test.


@pytest.mark.parametrize(
    ("train", "error", "status"),
    [(_failing_train, RuntimeError, "FAILED"), (_interrupted_train, KeyboardInterrupt, "KILLED")],
)
def test_pipeline_run_that_fails_ends_failed_not_running(
    train: Any,
    error: type[BaseException],
    status: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("THINKING_MARKET_OUTPUTS", str(tmp_path / "outputs"))
    monkeypatch.setattr(experiment, "train_replicates", train)
    cfg = compose_config(["+experiment=smoke", *store_overrides(tmp_path)])
    with pytest.raises(error):
        experiment.run(cfg)
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    smoke = client.get_experiment_by_name("smoke")
    assert smoke is not None
    (run,) = client.search_runs([smoke.experiment_id])
    assert run.info.status == status
    assert run.data.params["ppo.lr"] == "5e-05"  # what was logged before the failure stays
