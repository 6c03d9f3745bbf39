"""Small pieces: hypotheses.json parsing, metric thinning, artifact name guard, CLI arguments."""

from __future__ import annotations

import json
import math
import sys

import pytest
from mlflow.entities import Metric

from pipeline.api.__main__ import parse_args
from pipeline.api.errors import BadRequestError
from pipeline.api.store import (
    ResultsStore,
    finite,
    hypotheses_from_metrics,
    parse_hypotheses_json,
)
from pipeline.api.views import hypothesis_public, thin
from tests.api.conftest import FakeStore


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([{"name": "herding", "effect": 0.1, "reject": 1}]),
        json.dumps({"results": [{"name": "herding", "effect": 0.1, "reject": True}]}),
        json.dumps({"herding": {"effect": 0.1, "reject": True}}),
    ],
)
def test_parse_hypotheses_json_shapes(text: str) -> None:
    [result] = parse_hypotheses_json(text)
    assert result["name"] == "herding" and result["effect"] == 0.1 and result["reject"] is True


@pytest.mark.parametrize("text", ["3", json.dumps([{"effect": 1}]), json.dumps(["x"])])
def test_parse_hypotheses_json_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="hypotheses.json"):
        parse_hypotheses_json(text)


def test_hypotheses_from_metrics_orders_and_decodes() -> None:
    metrics = {
        "hypothesis/herding/reject": 1.0,
        "hypothesis/volatility_amplification/p_value": float("nan"),
        "hypothesis/volatility_amplification/reject": 0.0,
        "hypothesis/herding/effect": sys.float_info.max,  # how MLflow's SQL store keeps +inf
        "train/momentum/kl": 0.1,
    }
    results = hypotheses_from_metrics(metrics)
    assert [r["name"] for r in results] == ["volatility_amplification", "herding"]
    assert results[0]["p_value"] is None and results[0]["reject"] is False
    assert results[1]["reject"] is True and results[1]["effect"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5, 1.5), ("2", 2.0), (None, None), (math.inf, None), (math.nan, None), ("x", None)],
)
def test_finite(value: object, expected: float | None) -> None:
    assert finite(value) == expected


def test_hypothesis_public_keeps_unknown_keys_in_extra() -> None:
    public = hypothesis_public({"name": "herding", "n": 8.0, "lsv": 0.2, "extra": {"a": 1}})
    assert public.n == 8 and public.extra == {"a": 1, "lsv": 0.2}


@pytest.mark.parametrize(("n", "k"), [(10, 3), (101, 10), (5, 5), (5, 1)])
def test_thin_keeps_ends_and_bound(n: int, k: int) -> None:
    history = [Metric("m", float(i), i, i) for i in range(n)]
    picked = thin(history, k)
    assert len(picked) == min(n, k) and picked[-1].step == n - 1
    assert [m.step for m in picked] == sorted({m.step for m in picked})
    if k > 1:
        assert picked[0].step == 0


@pytest.mark.parametrize("name", ["../secrets", "checkpoint/../../x", "report.md", "/etc/passwd"])
def test_store_reads_only_known_artifacts(fake_store: FakeStore, name: str) -> None:
    store = ResultsStore(fake_store.tracking_uri)
    with pytest.raises(BadRequestError, match="not readable"):
        store.read_artifact(fake_store.newest_run, name)


def test_store_reads_a_known_artifact(fake_store: FakeStore) -> None:
    store = ResultsStore(fake_store.tracking_uri)
    assert "herding" in (store.read_artifact(fake_store.newest_run, "config.yaml") or "")
    assert store.read_artifact(fake_store.trial_run, "config.yaml") is None


def test_cli_defaults_and_overrides() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.tracking_uri) == ("127.0.0.1", 8000, None)
    args = parse_args(["--host", "0.0.0.0", "--port", "9000", "--tracking-uri", "sqlite:///x.db"])
    assert (args.host, args.port, args.tracking_uri) == ("0.0.0.0", 9000, "sqlite:///x.db")
    with pytest.raises(SystemExit):
        parse_args(["--port", "70000"])
