"""The REST API: how the dashboard, the CLI and users read Spyglass.

Sync endpoints run in FastAPI's thread pool, each thread with its own store connection.
Errors map to status codes here and only here: BadInput 400, Unauthorized 401,
StoreUnavailable 503; parameter validation errors are 400 with a readable message.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from spyglass.timerange import rfc3339, rfc3339_ns, time_range
from store import queries
from store.base import Store
from store.errors import BadInput, StoreUnavailable, Unauthorized

ARROW_STREAM = "application/vnd.apache.arrow.stream"
MAX_ROWS = 10_000

Strings = Annotated[list[str], Query()]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _filters(since: str | None, until: str | None, project: list[str], service: list[str], model: list[str],
             default_lookback: timedelta = timedelta(hours=24), **extra: list[str]) -> queries.Filters:
    start, end = time_range(since, until, default_lookback)
    return queries.Filters(start, end, tuple(project), tuple(service), tuple(model),
                           {name: tuple(values) for name, values in extra.items() if values})


def _nice_step(seconds: float, points: int = 120) -> int:
    for step in (10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400):
        if seconds / step <= points:
            return step
    return 30 * 86400


def _json_rows(table: pa.Table) -> list[dict[str, Any]]:
    rows = table.to_pylist()
    for name in ("timestamp", "bucket"):
        if name in table.column_names:
            raw = table.column(name).cast(pa.timestamp("ns", "UTC")).cast(pa.int64()).to_pylist()
            for row, ns in zip(rows, raw):
                row[name] = rfc3339_ns(ns)
    return rows


def build_api(store: Store, read_keys: list[str] | None = None,
              readiness: Callable[[], dict[str, Any]] | None = None) -> FastAPI:
    app = FastAPI(title="Spyglass", version="0.1.0",
                  description="Observability and FinOps analytics for production AI systems.")
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

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """The store answers and the schema is current (readiness)."""
        try:
            store.query_arrow("SELECT 1")
            state = {"status": "ready", **(readiness() if readiness else {})}
            return JSONResponse(state)
        except StoreUnavailable as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)

    @app.get("/api/v1/summary", dependencies=[Depends(authorize)])
    def summary(since: str | None = None, until: str | None = None, project: Strings = [],
                service: Strings = [], model: Strings = []) -> dict[str, Any]:
        """Requests, errors, tokens by type and p50/p95/p99 latency: overall and by model."""
        filters = _filters(since, until, project, service, model)
        return {"since": rfc3339(filters.since), "until": rfc3339(filters.until),
                **queries.summary(store, filters)}

    @app.get("/api/v1/timeseries", dependencies=[Depends(authorize)])
    def timeseries(since: str | None = None, until: str | None = None, project: Strings = [],
                   service: Strings = [], model: Strings = [],
                   step: Annotated[int | None, Query(ge=1, le=31 * 86400)] = None,
                   by: str | None = None) -> dict[str, Any]:
        """Requests, errors and tokens per time bucket; `by` splits into series (model, service, ...)."""
        if by is not None and by not in queries.SERIES_BY:
            raise BadInput(f"by: must be one of {', '.join(queries.SERIES_BY)}")
        filters = _filters(since, until, project, service, model)
        step = step or _nice_step((filters.until - filters.since).total_seconds())
        table = queries.timeseries(store, filters, step, by)
        return {"since": rfc3339(filters.since), "until": rfc3339(filters.until), "step_seconds": step,
                "points": _json_rows(table)}

    @app.get("/api/v1/filters", dependencies=[Depends(authorize)])
    def filters(since: str | None = None, until: str | None = None) -> dict[str, list[str]]:
        """Projects, services and models seen in the range, for filter pickers."""
        return queries.dimensions(store, _filters(since, until, [], [], [], timedelta(days=7)))

    @app.get("/api/v1/llm-calls", dependencies=[Depends(authorize)])
    def llm_calls(request: Request, since: str | None = None, until: str | None = None, project: Strings = [],
                  service: Strings = [], model: Strings = [], provider: Strings = [], operation: Strings = [],
                  status: Strings = [], team: Strings = [], feature: Strings = [], user_id: Strings = [],
                  session_id: Strings = [], host_name: Strings = [], environment: Strings = [],
                  trace_id: Strings = [],
                  limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
                  offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        """Typed LLM calls, newest first; JSON, or Arrow IPC with `Accept: application/vnd.apache.arrow.stream`."""
        filters = _filters(since, until, project, service, model, provider=provider, operation=operation,
                           status=status, team=team, feature=feature, user_id=user_id, session_id=session_id,
                           host_name=host_name, environment=environment, trace_id=trace_id)
        table = queries.llm_calls(store, filters, limit, offset)
        if ARROW_STREAM in request.headers.get("accept", ""):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return Response(sink.getvalue().to_pybytes(), media_type=ARROW_STREAM)
        more = table.num_rows == limit
        return JSONResponse({"since": rfc3339(filters.since), "until": rfc3339(filters.until), "limit": limit,
                             "offset": offset, "next_offset": offset + limit if more else None,
                             "rows": _json_rows(table)})

    return app
