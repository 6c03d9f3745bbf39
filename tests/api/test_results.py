"""Results endpoints over a real temporary MLflow store: happy paths and bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pipeline.api.models import MAX_METRIC_POINTS, MAX_PAGE_SIZE
from tests.api.conftest import CURVE_LENGTH, HYPOTHESES, FakeStore


def test_health_reports_store_and_no_simulation(client: TestClient, fake_store: FakeStore) -> None:
    body = client.get("/health").json()
    assert body == {
        "status": "ok",
        "tracking_uri": fake_store.tracking_uri,
        "mlflow": True,
        "simulation": False,
        "step": None,
    }


def test_health_is_degraded_when_store_is_unreachable(tmp_path) -> None:
    from pipeline.api.app import create_app
    from pipeline.api.settings import Settings

    app = create_app(Settings(tracking_uri="http://user:secret@127.0.0.1:9"))  # closed port
    with TestClient(app) as test_client:
        body = test_client.get("/health").json()
    assert body["status"] == "degraded" and body["mlflow"] is False
    assert "secret" not in body["tracking_uri"]


def test_experiments_lists_names(client: TestClient) -> None:
    names = [e["name"] for e in client.get("/experiments").json()["experiments"]]
    assert {"herding", "volatility"} <= set(names)
    assert names == sorted(names)


def test_runs_are_newest_first_with_status_and_outcomes(
    client: TestClient, fake_store: FakeStore
) -> None:
    body = client.get("/experiments/herding/runs").json()
    ids = [r["run_id"] for r in body["runs"]]
    assert ids == [fake_store.newest_run, fake_store.trial_run, fake_store.older_run]
    newest = body["runs"][0]
    assert newest["status"] == "FINISHED" and newest["kind"] == "pipeline"
    outcomes = {h["name"]: h for h in newest["hypotheses"]}
    assert outcomes["volatility_amplification"]["reject"] is True
    assert outcomes["volatility_amplification"]["p_adjusted"] == pytest.approx(0.012)
    assert outcomes["herding"]["p_value"] is None  # NaN in the store -> null in JSON
    assert body["runs"][1]["status"] == "FAILED"
    assert body["runs"][1]["parent_run_id"] == fake_store.older_run
    assert body["next_page_token"] is None


def test_runs_paginate(client: TestClient, fake_store: FakeStore) -> None:
    first = client.get("/experiments/herding/runs", params={"page_size": 2}).json()
    assert len(first["runs"]) == 2 and first["next_page_token"]
    second = client.get(
        "/experiments/herding/runs", params={"page_size": 2, "page_token": first["next_page_token"]}
    ).json()
    assert [r["run_id"] for r in second["runs"]] == [fake_store.older_run]
    assert second["next_page_token"] is None


def test_runs_filter_by_kind(client: TestClient, fake_store: FakeStore) -> None:
    body = client.get("/experiments/herding/runs", params={"kind": "trial"}).json()
    assert [r["run_id"] for r in body["runs"]] == [fake_store.trial_run]


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/experiments/nope/runs", {}, 404, "nope"),
        ("/experiments/herding/runs", {"page_size": 0}, 422, "page_size"),
        ("/experiments/herding/runs", {"page_size": MAX_PAGE_SIZE + 1}, 422, "page_size"),
        ("/experiments/herding/runs", {"page_token": "garbage"}, 400, "page"),
        ("/experiments/herding/runs", {"kind": "banana"}, 422, "kind"),
    ],
)
def test_runs_bad_input(
    client: TestClient, path: str, params: dict, status: int, words: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert words in str(response.json()["detail"]).lower()


def test_run_details(client: TestClient, fake_store: FakeStore) -> None:
    body = client.get(f"/runs/{fake_store.newest_run}").json()
    assert body["params"]["ppo.lr"] == "5e-05"
    assert body["metrics"]["train/momentum/episode_return_mean"] == CURVE_LENGTH - 1
    assert body["metrics"]["eval/market/realized_volatility"] is None  # inf -> null
    assert body["tags"]["thinking_market.kind"] == "pipeline"
    paths = {a["path"] for a in body["artifacts"]}
    assert {"hypotheses.json", "config.yaml", "plots", "plots/training_curves.png"} <= paths
    assert body["artifacts_truncated"] is False


@pytest.mark.parametrize(
    ("run_id", "status"), [("0" * 32, 404), ("a.b", 422), ("a" * 65, 422), ("x y", 422)]
)
def test_run_bad_id(client: TestClient, run_id: str, status: int) -> None:
    response = client.get(f"/runs/{run_id}")
    assert response.status_code == status
    assert response.json()["detail"]


def test_run_hypotheses_from_artifact(client: TestClient, fake_store: FakeStore) -> None:
    body = client.get(f"/runs/{fake_store.newest_run}/hypotheses").json()
    assert body["source"] == "artifact"
    got = {h["name"]: h for h in body["hypotheses"]}
    assert set(got) == {h["name"] for h in HYPOTHESES}
    assert got["liquidity_impact"]["method"] == "paired bootstrap"
    assert got["liquidity_impact"]["extra"] == {"resiliency": 12.0}
    assert got["herding"]["p_value"] is None


def test_run_hypotheses_from_metrics_when_no_artifact(
    client: TestClient, fake_store: FakeStore
) -> None:
    body = client.get(f"/runs/{fake_store.metrics_only_run}/hypotheses").json()
    assert body["source"] == "metrics"
    assert [h["name"] for h in body["hypotheses"]] == ["volatility_amplification"]
    assert body["hypotheses"][0]["reject"] is True and body["hypotheses"][0]["method"] is None


def test_run_hypotheses_unknown_run(client: TestClient) -> None:
    assert client.get(f"/runs/{'f' * 32}/hypotheses").status_code == 404


def test_metric_history_is_a_curve(client: TestClient, fake_store: FakeStore) -> None:
    key = "train/momentum/episode_return_mean"
    body = client.get(f"/runs/{fake_store.newest_run}/metrics/{key}").json()
    assert body["key"] == key and body["total"] == CURVE_LENGTH and body["thinned"] is False
    assert [p["step"] for p in body["points"]] == list(range(CURVE_LENGTH))
    assert [p["value"] for p in body["points"]] == [float(i) for i in range(CURVE_LENGTH)]


def test_metric_history_is_thinned_to_max_points(client: TestClient, fake_store: FakeStore) -> None:
    key = "train/momentum/episode_return_mean"
    body = client.get(
        f"/runs/{fake_store.newest_run}/metrics/{key}", params={"max_points": 5}
    ).json()
    steps = [p["step"] for p in body["points"]]
    assert body["thinned"] is True and len(steps) == 5
    assert steps[0] == 0 and steps[-1] == CURVE_LENGTH - 1


@pytest.mark.parametrize(
    ("key", "params", "status"),
    [
        ("train/nobody/kl", {}, 404),
        ("train/momentum/episode_return_mean", {"max_points": 0}, 422),
        ("train/momentum/episode_return_mean", {"max_points": MAX_METRIC_POINTS + 1}, 422),
        ("bad%00key", {}, 422),
    ],
)
def test_metric_history_bad_input(
    client: TestClient, fake_store: FakeStore, key: str, params: dict, status: int
) -> None:
    response = client.get(f"/runs/{fake_store.newest_run}/metrics/{key}", params=params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_metric_history_unknown_run(client: TestClient) -> None:
    response = client.get(f"/runs/{'e' * 32}/metrics/train/x")
    assert response.status_code == 404 and "not found" in response.json()["detail"]


def test_hypothesis_test_latest_over_all_experiments(
    client: TestClient, fake_store: FakeStore
) -> None:
    body = client.get("/hypothesis_test/volatility_amplification").json()
    assert body["run_id"] == fake_store.newest_run and body["experiment"] == "herding"
    assert body["effect"] == pytest.approx(0.12) and body["reject"] is True
    assert body["ci_low"] == pytest.approx(0.05) and body["ci_high"] == pytest.approx(0.2)
    assert body["p_value"] == pytest.approx(0.004) and body["p_adjusted"] == pytest.approx(0.012)
    assert body["method"].startswith("wilcoxon") and body["source"] == "artifact"


def test_hypothesis_test_by_experiment_and_run(client: TestClient, fake_store: FakeStore) -> None:
    by_experiment = client.get(
        "/hypothesis_test/volatility_amplification", params={"experiment": "volatility"}
    ).json()
    assert by_experiment["run_id"] == fake_store.metrics_only_run
    assert by_experiment["source"] == "metrics"
    by_run = client.get(
        "/hypothesis_test/liquidity_impact", params={"run_id": fake_store.older_run}
    ).json()
    assert by_run["run_id"] == fake_store.older_run and by_run["effect"] == -1.0


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/hypothesis_test/astrology", {}, 404),
        ("/hypothesis_test/herding", {"experiment": "volatility"}, 404),
        ("/hypothesis_test/herding", {"experiment": "missing"}, 404),
        ("/hypothesis_test/herding", {"run_id": "0" * 32}, 404),
        ("/hypothesis_test/herding", {"run_id": "../../etc"}, 422),
    ],
)
def test_hypothesis_test_bad_input(
    client: TestClient, path: str, params: dict, status: int
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_hypothesis_test_unknown_name_lists_known(client: TestClient) -> None:
    detail = client.get("/hypothesis_test/astrology").json()["detail"]
    assert "astrology" in detail and "herding" in detail


def test_results_endpoints_never_write(client: TestClient, fake_store: FakeStore) -> None:
    for method in ("delete", "put", "patch"):
        response = client.request(method, f"/runs/{fake_store.newest_run}")
        assert response.status_code == 405
    assert client.get(f"/runs/{fake_store.newest_run}").status_code == 200


def test_hypothesis_test_run_outside_experiment_is_404(
    client: TestClient, fake_store: FakeStore
) -> None:
    response = client.get(
        "/hypothesis_test/herding",
        params={"run_id": fake_store.newest_run, "experiment": "volatility"},
    )
    assert response.status_code == 404 and "volatility" in response.json()["detail"]
