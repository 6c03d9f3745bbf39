"""HTTP errors of the API and the handlers that turn them into JSON responses.

Only errors the API raises on purpose (``ApiError``) become a 4xx or a 503. Anything else that
escapes a route is a bug: it is logged with its traceback and answered with a plain 500, so an
internal fault never passes for a client mistake.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "internal server error (logged on the server)"


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


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    if exc.status_code >= 500:
        logger.warning("%d for %s %s: %s", exc.status_code, request.method, request.url.path, exc)
    return _json_error(exc.status_code, exc.detail)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Any other exception is a bug of the server: log it in full, answer a bare 500."""
    logger.error("500 for %s %s", request.method, request.url.path, exc_info=exc)
    return _json_error(500, INTERNAL_ERROR)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: ``ApiError`` -> its status, everything else -> a logged 500."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(Exception, _internal_error)
