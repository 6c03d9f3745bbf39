"""Stress events injected into the live market."""

from __future__ import annotations

from fastapi import APIRouter

from pipeline.api.deps import SimulationDep
from pipeline.api.models import ErrorPublic, EventCreate, EventInjected

router = APIRouter(tags=["simulation"])


@router.post(
    "/inject_event",
    response_model=EventInjected,
    responses={400: {"model": ErrorPublic}, 409: {"model": ErrorPublic}},
)
def inject_event(body: EventCreate, simulation: SimulationDep) -> EventInjected:
    """Inject a flash crash, liquidity shock, news shock or volatility regime, now or later."""
    return simulation.inject_event(body)
