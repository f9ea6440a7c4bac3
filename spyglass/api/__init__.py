"""The REST API: how the dashboard, the CLI and users read Spyglass.

One router per subject (`llm.py`, ...), behind the read keys; `feedback.py` writes and takes
an ingest key instead (`ingest_keys`, key -> project), so it is not in ROUTERS. Sync
endpoints run in FastAPI's thread pool, each thread with its own store connection. Errors
map to status codes here and only here: BadInput 400, Unauthorized 401, StoreUnavailable
503 (retry later), QueryError 500 (a broken query: retrying cannot help); parameter validation
errors are 400 with a readable message.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from collector.auth import IngestKeys
from spyglass.api import costs, drift, export, feedback, gpu, gpu_costs, llm, quality
from store.base import Store
from store.errors import BadInput, QueryError, StoreUnavailable, Unauthorized

ROUTERS = (llm.router, costs.router, gpu.router, gpu_costs.router, export.router, drift.router, quality.router)
log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_api(store: Store, read_keys: list[str] | None = None,
              readiness: Callable[[], dict[str, Any]] | None = None,
              ingest_keys: Mapping[str, str] | None = None) -> FastAPI:
    app = FastAPI(title="Spyglass", version="0.1.0",
                  description="Observability and FinOps analytics for production AI systems.")
    app.state.store = store
    app.state.ingest_keys = IngestKeys(ingest_keys)
    keys = [key.encode() for key in (read_keys or [])]

    def authorize(request: Request) -> None:
        if not keys:
            return
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not any(hmac.compare_digest(key.strip().encode(), k) for k in keys):
            raise Unauthorized("a valid read key is required: send 'Authorization: Bearer <key>'")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return _error(400, f"invalid parameters: {problems}")

    @app.exception_handler(BadInput)
    async def _bad(_: Request, exc: BadInput) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        response = _error(401, str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        response = _error(503, f"store unavailable: {exc}")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(QueryError)
    async def _query(_: Request, exc: QueryError) -> JSONResponse:
        log.error("api query failed: %s", exc)
        return _error(500, f"query failed: {exc}")

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log.error("api internal error: %r", exc, exc_info=exc)
        return _error(500, "internal error; the service log has the details")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """The store answers (readiness); with the writer's state when this process collects."""
        try:
            store.query_arrow("SELECT 1")
            return JSONResponse({"status": "ready", **(readiness() if readiness else {})})
        except StoreUnavailable as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)

    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(authorize)])
    app.include_router(feedback.router)
    return app
