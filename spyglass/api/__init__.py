"""The REST API: how the dashboard, the CLI and users read Spyglass.

One router per subject (`llm.py`, ...). Who may call a route is decided by one dependency of the
whole application (access.py): reads take a read key, routes that change state an admin key,
feedback an ingest key. Everything the routers need besides the request comes from one
`ApiContext` (context.py). Responses are the wire models of `client.models`, declared as
response models, so /docs describes exactly what is sent. Sync endpoints run in FastAPI's
thread pool, each thread with its own store connection. Errors map to status codes here and
only here: BadInput 400, Unauthorized 401, Forbidden 403, Conflict 409, StoreUnavailable 503
(retry later), QueryError 500 (a broken query: retrying cannot help); parameter validation
errors are 400 with a readable message, and so is a query parameter the route does not declare
(parameters.py). Every error, FastAPI's own 404 and 405 included, is one body shape:
`{"error": "..."}`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from client.models.wire import ErrorBody
from spyglass.api import (
    alerts,
    catalog,
    changes,
    compare,
    costs,
    coverage,
    drift,
    export,
    feedback,
    gpu,
    gpu_costs,
    incidents,
    llm,
    metrics,
    notifications,
    operations,
    quality,
    runbooks,
    settings,
    silences,
    storage,
    traces,
)
from spyglass.api.access import Keys, dependency, document
from spyglass.api.context import ApiContext
from spyglass.api.parameters import refuse_unknown
from store.errors import BadInput, Conflict, Forbidden, QueryError, StoreUnavailable, Unauthorized

ROUTERS = (llm.router, operations.router, catalog.router, costs.router, coverage.router, gpu.router, gpu_costs.router, export.router,
           drift.router, quality.router, alerts.router, silences.router, notifications.router, runbooks.router,
           incidents.router, feedback.router, changes.router, compare.router, traces.router, settings.router,
           storage.router, metrics.router)
# The error answers every router may give, documented once (the body is always {"error": "..."}); 401 and 403
# depend on the route's access and are added to each route by access.document.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Invalid parameters or body, or a parameter the route does not take"},
    500: {"model": ErrorBody, "description": "A query failed (retrying cannot help), or an internal error"},
    503: {"model": ErrorBody, "description": "The store is unavailable; retry after Retry-After seconds"},
}
log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_api(context: ApiContext) -> FastAPI:
    keys = Keys(context.read_keys, context.admin_keys, context.ingest_keys.keys)
    # Who may call comes first: a caller without the key learns nothing, not even which parameters a route takes.
    app = FastAPI(title="Spyglass", version="0.1.0",
                  description="Observability and FinOps analytics for production AI systems.",
                  dependencies=[Depends(dependency(keys)), Depends(refuse_unknown)])
    app.state.context = context

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return _error(400, f"invalid parameters: {problems}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI's own answers (no such path 404, wrong method 405) carry only the status phrase: say what was asked.
        message = str(exc.detail)
        if exc.status_code in (404, 405) and message in ("Not Found", "Method Not Allowed"):
            message = f"{message.lower()}: {request.method} {request.url.path}"
            if exc.headers and "Allow" in exc.headers:
                message += f" (allowed: {exc.headers['Allow']})"
        response = _error(exc.status_code, message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(BadInput)
    async def _bad(_: Request, exc: BadInput) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        response = _error(401, str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _error(403, str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return _error(409, str(exc))

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
        """The store answers (readiness); with the writer's and the jobs' state when this process has them."""
        try:
            context.store.query_arrow("SELECT 1")
            return JSONResponse({"status": "ready", **(context.readiness() if context.readiness else {})})
        except StoreUnavailable as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)

    for router in ROUTERS:
        app.include_router(router, responses=ERRORS)
    document(app)
    return app
