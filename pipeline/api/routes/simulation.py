"""The live market: start, step, state and reset."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pipeline.api.deps import CheckpointsDep, SettingsDep, SimulationDep, StoreDep
from pipeline.api.errors import BadRequestError
from pipeline.api.models import (
    ErrorPublic,
    EventLogPublic,
    MarketStatePublic,
    ResetRequest,
    RunRequest,
    SimulationPublic,
    SimulationStart,
    StepPublic,
    StepRequest,
)
from pipeline.api.sources import defaults_plan, experiment_plan, run_plan

router = APIRouter(tags=["simulation"], responses={409: {"model": ErrorPublic}})


@router.post(
    "/start_simulation",
    response_model=SimulationPublic,
    responses={400: {"model": ErrorPublic}, 404: {"model": ErrorPublic}},
)
def start_simulation(
    body: SimulationStart,
    simulation: SimulationDep,
    settings: SettingsDep,
    store: StoreDep,
    checkpoints: CheckpointsDep,
) -> SimulationPublic:
    """Start a market from a run id (trained agents), an experiment config, or the defaults."""
    background = {k.value: v for k, v in (body.background or {}).items()} or None
    if body.run_id is not None and body.experiment is not None:
        raise BadRequestError("give run_id or experiment, not both (a run names its experiment)")
    if body.replicate is not None and body.run_id is None:
        raise BadRequestError(f"replicate={body.replicate} needs a run_id")
    if body.run_id is not None:
        plan = run_plan(body.run_id, store, checkpoints, background, body.replicate)
    elif body.experiment is not None:
        plan = experiment_plan(body.experiment, settings, background)
    else:
        plan = defaults_plan(background)
    seed = body.seed if body.seed is not None else plan.env_config.get("seed")
    return simulation.start(plan, 0 if seed is None else int(seed))


@router.post("/step_simulation", response_model=StepPublic)
def step_simulation(simulation: SimulationDep, body: StepRequest | None = None) -> StepPublic:
    """Advance 1 to 10,000 steps (fewer if the episode ends) and return the new state."""
    return simulation.step((body or StepRequest()).steps)


@router.get("/market_state", response_model=MarketStatePublic)
async def market_state(simulation: SimulationDep) -> Response:
    """Mid, best bid/ask, spread, depth, last trades, step and active stress events."""
    return Response(content=simulation.state_json(), media_type="application/json")


@router.post("/reset_simulation", response_model=SimulationPublic)
def reset_simulation(
    simulation: SimulationDep, body: ResetRequest | None = None
) -> SimulationPublic:
    """Restart the episode with a new seed, or the same one if ``seed`` is null."""
    return simulation.reset((body or ResetRequest()).seed)


@router.post("/run_simulation", response_model=MarketStatePublic)
def run_simulation(simulation: SimulationDep, body: RunRequest | None = None) -> MarketStatePublic:
    """Step continuously at ``speed`` steps per second until paused, reset or the episode ends."""
    return simulation.run((body or RunRequest()).speed)


@router.post("/pause_simulation", response_model=MarketStatePublic)
def pause_simulation(simulation: SimulationDep) -> MarketStatePublic:
    """Stop continuous stepping (nothing happens if the market is not running)."""
    return simulation.pause()


@router.get("/events", response_model=EventLogPublic)
def list_events(simulation: SimulationDep) -> EventLogPublic:
    """Every stress event of the episode (from the config or injected): scheduled, active, over."""
    events = simulation.events()
    return EventLogPublic(step=simulation.state().step, events=events)
