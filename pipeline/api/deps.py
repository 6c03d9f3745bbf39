"""FastAPI dependencies and their ``Annotated`` aliases: settings, results store, simulation."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

from pipeline.api.settings import Settings, get_settings
from pipeline.api.simulation import SimulationService
from pipeline.api.sources import CheckpointCache
from pipeline.api.store import ResultsStore

SettingsDep = Annotated[Settings, Depends(get_settings)]


@lru_cache(maxsize=8)
def _store_for(tracking_uri: str) -> ResultsStore:
    """One store (one MlflowClient) per tracking URI for the life of the process."""
    return ResultsStore(tracking_uri)


def get_store(settings: SettingsDep) -> ResultsStore:
    """The read-only results store of the configured tracking URI."""
    return _store_for(settings.tracking_uri)


def get_simulation(request: Request) -> SimulationService:
    """The one live simulation of this app."""
    simulation: SimulationService = request.app.state.simulation
    return simulation


def get_checkpoints(request: Request) -> CheckpointCache:
    """The app's cache of checkpoints downloaded from MLflow."""
    checkpoints: CheckpointCache = request.app.state.checkpoints
    return checkpoints


StoreDep = Annotated[ResultsStore, Depends(get_store)]
SimulationDep = Annotated[SimulationService, Depends(get_simulation)]
CheckpointsDep = Annotated[CheckpointCache, Depends(get_checkpoints)]
