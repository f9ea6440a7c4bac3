"""Every route of the API refuses a query parameter it does not declare, with a 400 that names it and lists
what the route accepts (as the OpenAPI document declares it); every error, FastAPI's own 404 and 405 included,
answers `{"error": ...}`. Checked against the running service for every GET route of its OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from spyglass.api import build_api
from spyglass.api.context import ApiContext
from tests.helpers.fleet import SHARED_SERVICES

# The GET routes, from the same code the service runs (collected before any service starts).
GET_ROUTES = sorted(path for path, operations in build_api(ApiContext(store=None)).openapi()["paths"].items()
                    if "get" in operations)
PATH_VALUES = {"result_id": "0" * 32, "silence_id": "0" * 32, "runbook_id": "cost-spike", "incident_id": "INC-1",
               "change_id": "0" * 32, "trace_id": "0" * 32}


@pytest.fixture(scope="module")
def openapi(fleet) -> dict[str, Any]:
    return httpx.get(f"{fleet.api}/openapi.json", timeout=30).json()


def _declared(openapi: dict[str, Any], path: str, method: str = "get") -> set[str]:
    return {p["name"] for p in openapi["paths"][path][method].get("parameters", []) if p["in"] == "query"}


@SHARED_SERVICES
def test_the_service_serves_these_get_routes(openapi):
    assert len(GET_ROUTES) >= 27
    assert sorted(path for path, ops in openapi["paths"].items() if "get" in ops) == GET_ROUTES


@SHARED_SERVICES
@pytest.mark.parametrize("path", GET_ROUTES)
def test_an_unknown_parameter_is_a_400_listing_what_the_route_accepts(fleet, openapi, path):
    response = httpx.get(fleet.api + path.format(**PATH_VALUES), params={"since": "1h", "bogus": "1"}, timeout=30)
    assert response.status_code == 400, response.text
    message = response.json()["error"]
    declared = _declared(openapi, path)
    unknown = ["'bogus'"] if "since" in declared else ["'since'", "'bogus'"]
    head, _, accepts = message.partition(f"; GET {path} accepts")
    assert head == f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}", message
    listed = set() if accepts == " no parameters" else set(accepts.removeprefix(": ").split(", "))
    assert listed == declared


def test_writes_refuse_unknown_parameters_too_and_write_nothing(service):
    response = httpx.post(f"{service.api}/api/v1/feedback", params={"project": "x"}, timeout=10,
                          json={"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "value": 1})
    assert response.status_code == 400
    assert response.json()["error"] == "unknown parameter 'project'; POST /api/v1/feedback accepts no parameters"
    assert service.rows("SELECT count() AS n FROM quality_scores")[0]["n"] == 0


@pytest.mark.parametrize("method, path, status, message", [
    ("GET", "/api/v1/no-such-thing", 404, "not found: GET /api/v1/no-such-thing"),
    ("DELETE", "/api/v1/summary", 405, "method not allowed: DELETE /api/v1/summary (allowed: GET)"),
    ("GET", "/api/v1/drift/" + "0" * 32, 404, "no drift result with id"),
    ("GET", "/api/v1/llm-calls?limit=nope", 400, "invalid parameters: limit"),
])
def test_every_error_has_one_shape(service, method, path, status, message):
    response = httpx.request(method, f"{service.api}{path}", timeout=10)
    assert response.status_code == status and list(response.json()) == ["error"]
    assert message in response.json()["error"]


@pytest.mark.parametrize("path, step, grain", [
    ("/api/v1/costs/timeseries", 1800, "3600"), ("/api/v1/gpu/timeseries", 30, "60"),
    ("/api/v1/gpu/costs", 1800, "3600"), ("/api/v1/quality/timeseries", 30, "60"), ("/api/v1/timeseries", 0, "1"),
])
def test_a_step_below_the_data_s_grain_is_refused(service, path, step, grain):
    response = httpx.get(f"{service.api}{path}", params={"step": step}, timeout=10)
    assert response.status_code == 400 and "step" in response.json()["error"] and grain in response.json()["error"]
