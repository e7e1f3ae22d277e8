"""The app starts on a real registry, answers health checks, and refuses without a token."""

from __future__ import annotations

import pytest

from tests.api_fixtures import *  # noqa: F403

pytestmark = pytest.mark.postgres


def test_health_and_readiness(api):
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}


def test_the_openapi_document_lists_the_routes(api):
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    assert "/healthz" in response.json()["paths"]
