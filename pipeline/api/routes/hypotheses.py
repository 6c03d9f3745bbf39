"""``GET /hypothesis_test/{hypothesis}``: the latest stored result of one hypothesis."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pipeline.api.deps import StoreDep
from pipeline.api.errors import NotFoundError
from pipeline.api.models import RUN_ID_PATTERN, ErrorPublic, HypothesisName
from pipeline.api.results_models import HypothesisTestPublic
from pipeline.api.views import from_millis, hypothesis_public

router = APIRouter(tags=["results"])

KNOWN = [h.value for h in HypothesisName]


@router.get(
    "/hypothesis_test/{hypothesis}",
    response_model=HypothesisTestPublic,
    responses={404: {"model": ErrorPublic}},
)
def hypothesis_test(
    store: StoreDep,
    hypothesis: Annotated[str, Path(max_length=100, description=f"one of {', '.join(KNOWN)}")],
    run_id: Annotated[str | None, Query(pattern=RUN_ID_PATTERN)] = None,
    experiment: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
) -> HypothesisTestPublic:
    """Effect, CI, p-value, adjusted p-value, decision and method of the newest stored result."""
    if hypothesis not in KNOWN:
        raise NotFoundError(f"unknown hypothesis {hypothesis!r}; known: {', '.join(KNOWN)}")
    if run_id is not None:
        run = store.run(run_id)
        run_experiment = store.experiment_name(run.info.experiment_id)
        if experiment is not None and run_experiment != experiment:
            raise NotFoundError(f"run {run_id!r} is not in experiment {experiment!r}")
    else:
        run = store.latest_with_hypothesis(hypothesis, experiment)
        run_experiment = store.experiment_name(run.info.experiment_id)
    source, results = store.hypotheses(run)
    # The study's own (primary) result; calm-market variants of the same test are labelled "calm".
    primary = [r for r in results if r.get("family", "primary") == "primary"]
    match = next((r for r in primary if r.get("name") == hypothesis), None)
    if match is None:
        raise NotFoundError(f"run {run.info.run_id!r} has no result of hypothesis {hypothesis!r}")
    public = hypothesis_public(match)
    return HypothesisTestPublic(
        **public.model_dump(),
        run_id=run.info.run_id,
        experiment=run_experiment,
        run_start_time=from_millis(run.info.start_time),
        source=source,
    )
