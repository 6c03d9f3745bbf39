"""Read-only access to the pipeline's results in MLflow.

Only reads: no endpoint deletes or edits MLflow data. Artifacts are read by a fixed set of known
names (never a path taken from a request), so no request reaches the filesystem outside the store.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import httpx
from mlflow import MlflowClient
from mlflow.entities import Experiment, FileInfo, Metric, Run, ViewType
from mlflow.exceptions import MlflowException

from pipeline.api.errors import ApiError, BadRequestError, NotFoundError, StoreUnavailableError
from pipeline.api.models import HypothesisName
from pipeline.tracking import KIND_TAG, PARENT_TAG

HYPOTHESES_ARTIFACT = "hypotheses.json"
CONFIG_ARTIFACT = "config.yaml"
READABLE_ARTIFACTS = frozenset({HYPOTHESES_ARTIFACT, CONFIG_ARTIFACT})
MAX_ARTIFACT_BYTES = 5_000_000
HYPOTHESIS_FIELDS = ("effect", "ci_low", "ci_high", "p_value", "p_adjusted", "reject")
NEWEST_FIRST = ["attributes.start_time DESC"]
HypothesisSource = Literal["artifact", "metrics"]
CHECKPOINT_DIR = "checkpoint"
PLOTS_DIR = "plots"
REPLICATE_TAG = "thinking_market.replicate"
MAX_PAGE_OFFSET = 10**9
REACHABLE_FOR_S = 5.0  # a server that answered /health is not asked again for this long
PING_TIMEOUT_S = 1.0  # an unreachable server is a 503 well within 2 s


def check_page_token(token: str) -> None:
    """Refuse (400) anything but the store's own token: base64 of ``{"offset": <int >= 0>}``."""
    bad = f"page_token={token[:40]!r}{'...' if len(token) > 40 else ''}"
    try:
        data = json.loads(base64.b64decode(token, validate=True), parse_constant=_no_constant)
    except (binascii.Error, ValueError) as exc:
        raise BadRequestError(f"{bad} is not a page token of this API ({exc})") from exc
    if not isinstance(data, dict) or set(data) != {"offset"}:
        raise BadRequestError(f'{bad} is not a page token of this API (not {{"offset": n}})')
    offset = data["offset"]
    if type(offset) is not int or not 0 <= offset <= MAX_PAGE_OFFSET:
        raise BadRequestError(
            f"{bad}: offset {offset!r:.30} must be an integer in [0, {MAX_PAGE_OFFSET}]"
        )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


@contextmanager
def _mlflow_errors(what: str) -> Iterator[None]:
    """Translate MLflow's errors into API errors: unknown -> 404, refused -> 400, else 503."""
    try:
        yield
    except ApiError:
        raise
    except MlflowException as exc:
        code = getattr(exc, "error_code", "")
        if code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFoundError(f"{what} not found") from exc
        if code == "INVALID_PARAMETER_VALUE":
            raise BadRequestError(f"{what}: {exc.message}") from exc
        raise StoreUnavailableError(
            f"MLflow store error while reading {what}: {exc.message}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - a store that cannot be read is a 503, not a 500
        raise StoreUnavailableError(
            f"MLflow store unavailable while reading {what}: {exc}"
        ) from exc


def finite(value: Any) -> float | None:
    """A float, or None for missing, NaN and infinite values (JSON has neither).

    MLflow's SQL stores keep +-inf as +-``sys.float_info.max``; those read back as None too.
    """
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or abs(number) >= sys.float_info.max:
        return None
    return number


def hypotheses_from_metrics(metrics: dict[str, float]) -> list[dict[str, Any]]:
    """Hypothesis outcomes from ``hypothesis/<name>/<field>`` metrics, in the contract's order."""
    found: dict[str, dict[str, Any]] = {}
    for key, value in metrics.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "hypothesis" and parts[2] in HYPOTHESIS_FIELDS:
            found.setdefault(parts[1], {"name": parts[1]})[parts[2]] = value
    order = {name.value: i for i, name in enumerate(HypothesisName)}
    results = [found[name] for name in sorted(found, key=lambda n: (order.get(n, len(order)), n))]
    for result in results:
        for field in HYPOTHESIS_FIELDS:
            result[field] = finite(result.get(field))
        reject = result["reject"]
        result["reject"] = None if reject is None else bool(reject >= 0.5)
    return results


def parse_hypotheses_json(text: str) -> list[dict[str, Any]]:
    """Results of a ``hypotheses.json`` artifact (a list, or a dict keyed by name or 'results')."""
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("results", data.get("hypotheses", data))
        if isinstance(data, dict):
            data = [
                {"name": name, **value} for name, value in data.items() if isinstance(value, dict)
            ]
    if not isinstance(data, list):
        raise ValueError(f"{HYPOTHESES_ARTIFACT} holds a {type(data).__name__}, not a list")
    results = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError(f"{HYPOTHESES_ARTIFACT} entry without a name: {item!r:.80}")
        result = dict(item)
        for field in ("effect", "ci_low", "ci_high", "p_value", "p_adjusted"):
            result[field] = finite(result.get(field))
        if result.get("reject") is not None:
            result["reject"] = bool(result["reject"])
        if not isinstance(result.get("extra"), dict):
            result["extra"] = {}
        results.append(result)
    return results


class ResultsStore:
    """The pipeline's MLflow store, seen read-only through an ``MlflowClient``."""

    def __init__(self, tracking_uri: str, cache_size: int = 256) -> None:
        self.tracking_uri = tracking_uri
        self._client_instance: MlflowClient | None = None
        self._client_lock = threading.Lock()
        self._cache: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._remote = tracking_uri.startswith(("http://", "https://"))
        self._reachable_at = -math.inf

    @property
    def _client(self) -> MlflowClient:
        """The MlflowClient, made on first use; a store that cannot be opened is a 503.

        A tracking server is asked for ``/health`` first (at most every few seconds), so an
        unreachable one fails the request within ``PING_TIMEOUT_S`` instead of after MLflow's
        minutes of retries.
        """
        if self._remote and time.monotonic() - self._reachable_at > REACHABLE_FOR_S:
            if not self.ping(timeout=PING_TIMEOUT_S):
                raise StoreUnavailableError(
                    f"MLflow tracking server {redact(self.tracking_uri)} is unreachable"
                )
        with self._client_lock:
            if self._client_instance is None:
                with _mlflow_errors("the MLflow store"):
                    self._client_instance = MlflowClient(tracking_uri=self.tracking_uri)
            return self._client_instance

    def ping(self, timeout: float = PING_TIMEOUT_S) -> bool:
        """Whether the store answers now (an HTTP server's /health within ``timeout`` s)."""
        if self._remote:
            try:
                response = httpx.get(self.tracking_uri.rstrip("/") + "/health", timeout=timeout)
            except httpx.HTTPError:
                return False
            if response.status_code == 200:
                self._reachable_at = time.monotonic()
            return response.status_code == 200
        try:
            self._client.search_experiments(max_results=1)
        except Exception:  # noqa: BLE001 - any failure means "not reachable" for /health
            return False
        return True

    def experiments(self, max_results: int = 1000) -> list[Experiment]:
        """Active experiments, by name."""
        with _mlflow_errors("experiments"):
            found = self._client.search_experiments(
                view_type=ViewType.ACTIVE_ONLY, max_results=max_results, order_by=["name ASC"]
            )
        return list(found)

    def experiment(self, name: str) -> Experiment:
        """The experiment of that name; 404 if there is none."""
        with _mlflow_errors(f"experiment {name!r}"):
            experiment = self._client.get_experiment_by_name(name)
        if experiment is None:
            raise NotFoundError(f"experiment {name!r} not found")
        return experiment

    def runs_page(
        self, name: str, page_size: int, page_token: str | None, kind: str | None = None
    ) -> tuple[list[Run], str | None]:
        """One page of an experiment's runs, newest first, and the token of the next page."""
        if page_token is not None:
            check_page_token(page_token)
        experiment = self.experiment(name)
        filter_string = f"tags.`{KIND_TAG}` = '{kind}'" if kind else ""
        with _mlflow_errors(f"runs of experiment {name!r}"):
            page = self._client.search_runs(
                [experiment.experiment_id],
                filter_string=filter_string,
                max_results=page_size,
                order_by=NEWEST_FIRST,
                page_token=page_token,
            )
        return list(page), page.token or None

    def run(self, run_id: str) -> Run:
        """The run with that id; 404 if unknown."""
        with _mlflow_errors(f"run {run_id!r}"):
            return self._client.get_run(run_id)

    def experiment_name(self, experiment_id: str) -> str | None:
        """The name of an experiment id, or None if it cannot be read."""
        try:
            return self._client.get_experiment(experiment_id).name
        except MlflowException:
            return None

    def artifacts(self, run_id: str, limit: int) -> tuple[list[FileInfo], bool]:
        """Top-level artifacts and the contents of top-level folders, at most ``limit`` entries."""
        with _mlflow_errors(f"artifacts of run {run_id!r}"):
            top = self._client.list_artifacts(run_id)
            listed: list[FileInfo] = []
            for info in top:
                listed.append(info)
                if info.is_dir and len(listed) < limit:
                    listed.extend(self._client.list_artifacts(run_id, info.path))
                if len(listed) >= limit:
                    return listed[:limit], True
        return listed, False

    def _listing(self, run_id: str, folder: str | None = None) -> dict[str, FileInfo]:
        with _mlflow_errors(f"artifacts of run {run_id!r}"):
            return {info.path: info for info in self._client.list_artifacts(run_id, folder)}

    def checkpoint_run(self, run_id: str, replicate: int | None = None) -> str:
        """The run whose ``checkpoint/`` to load: the run's own (unless a replicate is asked
        for), else that replicate's child run (replicate 0 by default); 404 if none has one.
        """
        run = self.run(run_id)
        if replicate is None and CHECKPOINT_DIR in self._listing(run_id):
            return run_id
        want = 0 if replicate is None else replicate
        filter_string = f"tags.`{PARENT_TAG}` = '{run_id}' and tags.`{REPLICATE_TAG}` = '{want}'"
        with _mlflow_errors(f"replicates of run {run_id!r}"):
            children = self._client.search_runs(
                [run.info.experiment_id], filter_string=filter_string, max_results=1
            )
        if children and CHECKPOINT_DIR in self._listing(children[0].info.run_id):
            return str(children[0].info.run_id)
        which = "" if replicate is None else f" for replicate {replicate}"
        raise NotFoundError(f"run {run_id!r} has no {CHECKPOINT_DIR}/ artifact{which}")

    def plot(self, run_id: str, name: str) -> bytes:
        """The bytes of ``plots/<name>`` of a run, found by name in the run's own listing."""
        self.run(run_id)
        info = self._listing(run_id, PLOTS_DIR).get(f"{PLOTS_DIR}/{name}")
        if info is None or info.is_dir:
            raise NotFoundError(f"run {run_id!r} has no plot {name!r}")
        if info.file_size is not None and info.file_size > MAX_ARTIFACT_BYTES:
            raise StoreUnavailableError(f"plot {name!r} is {info.file_size} bytes, over the limit")
        with _mlflow_errors(f"plot {name!r} of run {run_id!r}"):
            with tempfile.TemporaryDirectory(prefix="thinking-market-api-") as tmp:
                local = self._client.download_artifacts(run_id, info.path, tmp)
                return Path(local).read_bytes()

    def read_artifact(self, run_id: str, name: str) -> str | None:
        """Text of one known top-level artifact, or None if the run does not have it."""
        if name not in READABLE_ARTIFACTS:
            raise BadRequestError(
                f"artifact {name!r} is not readable; known: {sorted(READABLE_ARTIFACTS)}"
            )
        with _mlflow_errors(f"artifact {name!r} of run {run_id!r}"):
            sizes = {path: info.file_size for path, info in self._listing(run_id).items()}
            if name not in sizes:
                return None
            size = sizes[name]
            if size is not None and size > MAX_ARTIFACT_BYTES:
                raise StoreUnavailableError(f"artifact {name!r} is {size} bytes, over the limit")
            with tempfile.TemporaryDirectory(prefix="thinking-market-api-") as tmp:
                local = self._client.download_artifacts(run_id, name, tmp)
                return Path(local).read_text(encoding="utf-8")

    def hypotheses(self, run: Run) -> tuple[HypothesisSource, list[dict[str, Any]]]:
        """A run's hypothesis results: from hypotheses.json if readable, else from its metrics."""
        run_id = run.info.run_id
        with self._cache_lock:
            cached = self._cache.get(run_id)
        if cached is not None:
            return "artifact", cached
        text = self.read_artifact(run_id, HYPOTHESES_ARTIFACT)
        if text is not None:
            try:
                results = parse_hypotheses_json(text)
            except ValueError:
                results = None
            if results is not None:
                if run.info.status == "FINISHED":
                    self._remember(run_id, results)
                return "artifact", results
        return "metrics", hypotheses_from_metrics(run.data.metrics)

    def _remember(self, run_id: str, results: list[dict[str, Any]]) -> None:
        with self._cache_lock:
            self._cache[run_id] = results
            self._cache.move_to_end(run_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every logged value of one metric of a run, by step then time; 404 if none."""
        self.run(run_id)
        with _mlflow_errors(f"metric {key!r} of run {run_id!r}"):
            history = self._client.get_metric_history(run_id, key)
        if not history:
            raise NotFoundError(f"run {run_id!r} has no metric {key!r}")
        return sorted(history, key=lambda m: (m.step, m.timestamp))

    def latest_with_hypothesis(self, hypothesis: str, experiment: str | None) -> Run:
        """The newest run (in one experiment, or in all) that stored a result of ``hypothesis``."""
        if experiment is not None:
            ids = [self.experiment(experiment).experiment_id]
        else:
            ids = [e.experiment_id for e in self.experiments()]
        if not ids:
            raise NotFoundError(f"no stored result of hypothesis {hypothesis!r}: no experiments")
        filter_string = f"metrics.`hypothesis/{hypothesis}/reject` >= 0"
        with _mlflow_errors(f"runs with hypothesis {hypothesis!r}"):
            found = self._client.search_runs(
                ids, filter_string=filter_string, max_results=1, order_by=NEWEST_FIRST
            )
        if not found:
            where = f" in experiment {experiment!r}" if experiment else ""
            raise NotFoundError(f"no stored result of hypothesis {hypothesis!r}{where}")
        return found[0]


def redact(uri: str) -> str:
    """The URI without a password, so no answer or log line leaks credentials."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
