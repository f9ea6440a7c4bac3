"""Failures inside the API are JSON with a message: a store that cannot answer is a retryable 503, a
broken query a 500 that says so, anything unexpected a 500; the API keeps serving either way."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from spyglass.api import build_api
from spyglass.api.context import ApiContext
from store import open_store
from tests.helpers.stores import store_settings


def _get(store, *paths: str) -> list[httpx.Response]:
    """GET `paths` from an API over `store`, in a loop of our own (another test may leave one running here)."""
    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=build_api(ApiContext(store)), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return [await client.get(path) for path in paths]

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, calls()).result(30)


def test_a_store_that_cannot_answer_is_a_503_in_json(backend, chdb_dir):
    # A store of its own, closed before the API reads it: closing one that a running service's jobs query at
    # the same moment would pull connections from under them.
    s = store_settings(backend, chdb_dir)
    closed = open_store(str(s.get("data_dir", chdb_dir)), s.get("clickhouse_url"), s["database"])
    closed.close()
    summary, health = _get(closed, "/api/v1/summary", "/healthz")
    assert summary.status_code == 503 and summary.headers["Retry-After"]
    assert "store unavailable" in summary.json()["error"]
    assert health.status_code == 200


def test_a_broken_query_is_a_500_that_says_so(service):
    service.store.command("DROP TABLE llm_calls SYNC")  # every query of llm_calls now names an unknown table
    response = httpx.get(f"{service.api}/api/v1/summary", timeout=30)
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert response.json()["error"].startswith("query failed: ") and "llm_calls" in response.json()["error"]
    assert httpx.get(f"{service.api}/healthz").status_code == 200


def test_an_unexpected_error_is_a_500_in_json(store):
    def broken_readiness() -> dict:
        raise ZeroDivisionError("a bug")

    async def calls() -> tuple[httpx.Response, httpx.Response]:
        app = build_api(ApiContext(store, readiness=broken_readiness))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get("/readyz"), await client.get("/healthz")

    with ThreadPoolExecutor(1) as thread:  # a loop of our own: another test may leave one running here
        broken, healthy = thread.submit(asyncio.run, calls()).result(30)
    assert broken.status_code == 500
    assert broken.json() == {"error": "internal error; the service log has the details"}
    assert healthy.status_code == 200
