"""``GET /experiments`` and ``GET /experiments/{name}/runs`` (paginated, newest first)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pipeline.api.deps import StoreDep
from pipeline.api.models import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ErrorPublic, RunKind
from pipeline.api.results_models import ExperimentsPublic, RunsPagePublic
from pipeline.api.views import experiment_public, run_summary

router = APIRouter(tags=["results"])

MAX_EXPERIMENTS = 1000


@router.get("/experiments", response_model=ExperimentsPublic)
def list_experiments(store: StoreDep) -> ExperimentsPublic:
    """Active MLflow experiments, by name (at most 1000)."""
    return ExperimentsPublic(
        experiments=[experiment_public(e) for e in store.experiments(MAX_EXPERIMENTS)]
    )


@router.get(
    "/experiments/{name}/runs",
    response_model=RunsPagePublic,
    responses={400: {"model": ErrorPublic}, 404: {"model": ErrorPublic}},
)
def list_runs(
    store: StoreDep,
    name: Annotated[str, Path(min_length=1, max_length=500)],
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
    kind: RunKind | None = None,
) -> RunsPagePublic:
    """One page of an experiment's runs, newest first, with status and hypothesis outcomes."""
    runs, token = store.runs_page(name, page_size, page_token, kind.value if kind else None)
    return RunsPagePublic(
        experiment=name, runs=[run_summary(r) for r in runs], next_page_token=token
    )
