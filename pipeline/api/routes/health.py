"""``GET /health``: is the server up, does the MLflow store answer, is a simulation running."""

from __future__ import annotations

from fastapi import APIRouter

from pipeline.api.deps import SimulationDep, StoreDep
from pipeline.api.results_models import HealthPublic
from pipeline.api.store import redact

router = APIRouter(tags=["results"])


@router.get("/health", response_model=HealthPublic)
def health(store: StoreDep, simulation: SimulationDep) -> HealthPublic:
    """Liveness plus whether the tracking store answers ("degraded" if not)."""
    reachable = store.ping()
    return HealthPublic(
        status="ok" if reachable else "degraded",
        tracking_uri=redact(store.tracking_uri),
        mlflow=reachable,
        simulation=simulation.running,
        step=simulation.current_step(),
    )
