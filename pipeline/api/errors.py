"""HTTP errors of the API and the handlers that turn every client mistake into a JSON 4xx."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client can act on; ``detail`` says what is wrong."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequestError(ApiError):
    """The request is well-formed JSON but its values are refused (bad params, bad page token)."""

    status_code = 400


class NotFoundError(ApiError):
    """An unknown run, experiment, metric, agent or hypothesis."""

    status_code = 404


class ConflictError(ApiError):
    """The request does not fit the current state (no simulation started, episode over)."""

    status_code = 409


class StoreUnavailableError(ApiError):
    """The MLflow tracking store could not be reached: a server-side condition, not a bug."""

    status_code = 503


def _json_error(status_code: int, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": detail})


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json_error(exc.status_code, exc.detail)


async def _value_error(request: Request, exc: Exception) -> JSONResponse:
    """A ValueError escaping the market is a refused input: 400, never 500."""
    logger.info("400 for %s %s: %s", request.method, request.url.path, exc)
    return _json_error(400, f"invalid value: {exc}")


async def _key_error(request: Request, exc: Exception) -> JSONResponse:
    """A KeyError escaping the market names something unknown: 404, never 500."""
    logger.info("404 for %s %s: %s", request.method, request.url.path, exc)
    name = exc.args[0] if exc.args else exc
    return _json_error(404, f"unknown: {name}")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that map API, value and key errors to JSON 4xx responses."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(KeyError, _key_error)
