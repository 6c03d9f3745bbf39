"""``GET /health``: is the server up, does the MLflow store answer, is a simulation running."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter

from pipeline.api.deps import SimulationDep, StoreDep
from pipeline.api.results_models import HealthPublic

router = APIRouter(tags=["results"])


def redact(uri: str) -> str:
    """The URI without a password, so /health never leaks credentials."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


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
