"""The research API: FastAPI over the MLflow results and one live market simulation.

``python -m pipeline.api`` serves it; ``create_app(settings)`` builds it (tests, embedding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from pipeline.api.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, **kwargs: Any) -> FastAPI:
    """Build the API app (see ``pipeline.api.app.create_app``); imported lazily to stay light."""
    from pipeline.api.app import create_app as build

    return build(settings, **kwargs)
