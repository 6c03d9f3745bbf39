"""Schemathesis against the app's own OpenAPI schema: no generated request may get a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from pipeline.api.app import app as default_app
from pipeline.api.app import create_app
from pipeline.api.settings import Settings
from tests.api.conftest import SMALL, FakeStore

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


# The schema is the app's own; generating it touches neither the store nor the market.
schema = schemathesis.openapi.from_dict(default_app.openapi())


@pytest.fixture(scope="module")
def live_app(fake_store: FakeStore) -> FastAPI:
    """An app on the fake store whose simulation is running, so the simulation routes do work."""
    app = create_app(Settings(tracking_uri=fake_store.tracking_uri))
    with TestClient(app) as client:
        assert client.post("/start_simulation", json={"seed": 0, "background": SMALL}).is_success
    return app


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_generated_requests_never_get_a_server_error(
    live_app: FastAPI, case: schemathesis.Case
) -> None:
    case.call_and_validate(app=live_app, checks=CHECKS)
