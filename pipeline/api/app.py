"""The research API: ``create_app(settings)`` and the module-level ``app`` for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pipeline.api.errors import install_error_handlers
from pipeline.api.models import ErrorPublic
from pipeline.api.routes import (
    agents,
    analysis,
    events,
    experiments,
    health,
    hypotheses,
    runs,
    simulation,
    stream,
)
from pipeline.api.settings import Settings, get_settings
from pipeline.api.simulation import EnvFactory, SimulationService
from pipeline.api.sources import CheckpointCache
from pipeline.api.static import install_static

DESCRIPTION = """\
Results of The Thinking Market pipeline, read straight from the MLflow store (read-only),
and one live market simulation with RL agents (trained checkpoints or rule-based stand-ins).
Every client mistake is a 4xx with a JSON `detail`.
"""


def create_app(settings: Settings | None = None, env_factory: EnvFactory | None = None) -> FastAPI:
    """Build the app; ``settings`` replaces the environment's (tests, ``-m pipeline.api``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.simulation.runner.pause()
        app.state.checkpoints.close()

    app = FastAPI(
        title="The Thinking Market research API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_static from local Swagger UI assets
        redoc_url=None,
        responses={400: {"model": ErrorPublic, "description": "Refused input (detail says why)"}},
    )
    app.state.simulation = SimulationService(env_factory)
    app.state.checkpoints = CheckpointCache()
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    routers = (simulation, stream, agents, events, analysis, hypotheses, health, experiments, runs)
    for module in routers:
        app.include_router(module.router)
    install_static(app, (settings or Settings()).web_dist)
    return app


app = create_app()
