"""``GET /runs/{run_id}``, its hypotheses and the history of one of its metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from pipeline.api.deps import StoreDep
from pipeline.api.models import (
    DEFAULT_METRIC_POINTS,
    MAX_METRIC_POINTS,
    METRIC_KEY_PATTERN,
    PLOT_NAME_PATTERN,
    RUN_ID_PATTERN,
    ErrorPublic,
)
from pipeline.api.results_models import MetricHistoryPublic, RunHypothesesPublic, RunPublic
from pipeline.api.views import hypothesis_public, metric_point, run_public, thin

router = APIRouter(tags=["results"], responses={404: {"model": ErrorPublic}})

RunIdPath = Annotated[str, Path(pattern=RUN_ID_PATTERN, description="MLflow run id")]
MAX_ARTIFACTS = 500


@router.get("/runs/{run_id}", response_model=RunPublic)
def get_run(store: StoreDep, run_id: RunIdPath) -> RunPublic:
    """Params, final metrics, tags and artifact list of one run."""
    run = store.run(run_id)
    artifacts, truncated = store.artifacts(run_id, MAX_ARTIFACTS)
    return run_public(run, artifacts, truncated)


@router.get("/runs/{run_id}/hypotheses", response_model=RunHypothesesPublic)
def get_run_hypotheses(store: StoreDep, run_id: RunIdPath) -> RunHypothesesPublic:
    """The hypothesis results of one run (hypotheses.json, or its hypothesis metrics)."""
    run = store.run(run_id)
    source, results = store.hypotheses(run)
    return RunHypothesesPublic(
        run_id=run_id,
        source=source,
        hypotheses=[hypothesis_public(r) for r in results],
    )


@router.get("/runs/{run_id}/metrics/{key:path}", response_model=MetricHistoryPublic)
def get_metric_history(
    store: StoreDep,
    run_id: RunIdPath,
    key: Annotated[str, Path(pattern=METRIC_KEY_PATTERN, description="e.g. train/momentum/kl")],
    max_points: Annotated[int, Query(ge=1, le=MAX_METRIC_POINTS)] = DEFAULT_METRIC_POINTS,
) -> MetricHistoryPublic:
    """The history of one metric (a training curve), thinned evenly to ``max_points``."""
    history = store.metric_history(run_id, key)
    points = thin(history, max_points)
    return MetricHistoryPublic(
        run_id=run_id,
        key=key,
        total=len(history),
        thinned=len(points) < len(history),
        points=[metric_point(m) for m in points],
    )


@router.get(
    "/runs/{run_id}/plots/{name}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "the PNG"}},
)
def get_plot(
    store: StoreDep,
    run_id: RunIdPath,
    name: Annotated[str, Path(pattern=PLOT_NAME_PATTERN, description="e.g. forest.png")],
) -> Response:
    """One PNG of the run's ``plots/`` folder, by file name (listed in ``GET /runs/{run_id}``)."""
    return Response(
        content=store.plot(run_id, name),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )
