"""LLM calls: summary, time series, filter values, and the calls themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from spyglass.api.common import Strings, filters, get_store, json_rows, nice_step
from spyglass.timerange import rfc3339
from store import queries
from store.base import Store
from store.errors import BadInput

ARROW_STREAM = "application/vnd.apache.arrow.stream"
MAX_ROWS = 10_000

router = APIRouter(prefix="/api/v1")
StoreDep = Annotated[Store, Depends(get_store)]


@router.get("/summary")
def summary(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = [],
            service: Strings = [], model: Strings = []) -> dict[str, Any]:
    """Requests, errors, tokens by type and p50/p95/p99 latency: overall and by model."""
    f = filters(since, until, project, service, model)
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), **queries.summary(store, f)}


@router.get("/timeseries")
def timeseries(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = [],
               service: Strings = [], model: Strings = [],
               step: Annotated[int | None, Query(ge=1, le=31 * 86400)] = None,
               by: str | None = None) -> dict[str, Any]:
    """Requests, errors and tokens per time bucket; `by` splits into series (model, service, ...)."""
    if by is not None and by not in queries.SERIES_BY:
        raise BadInput(f"by: must be one of {', '.join(queries.SERIES_BY)}")
    f = filters(since, until, project, service, model)
    step = step or nice_step((f.until - f.since).total_seconds())
    table = queries.timeseries(store, f, step, by)
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "step_seconds": step, "points": json_rows(table)}


@router.get("/filters")
def filter_values(store: StoreDep, since: str | None = None, until: str | None = None) -> dict[str, list[str]]:
    """Projects, services and models seen in the range, for filter pickers."""
    return queries.dimensions(store, filters(since, until, [], [], [], timedelta(days=7)))


@router.get("/llm-calls")
def llm_calls(request: Request, store: StoreDep, since: str | None = None, until: str | None = None,
              project: Strings = [], service: Strings = [], model: Strings = [], provider: Strings = [],
              operation: Strings = [], status: Strings = [], team: Strings = [], feature: Strings = [],
              user_id: Strings = [], session_id: Strings = [], host_name: Strings = [], environment: Strings = [],
              trace_id: Strings = [], limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Typed LLM calls, newest first; JSON, or Arrow IPC with `Accept: application/vnd.apache.arrow.stream`."""
    f = filters(since, until, project, service, model, provider=provider, operation=operation, status=status,
                team=team, feature=feature, user_id=user_id, session_id=session_id, host_name=host_name,
                environment=environment, trace_id=trace_id)
    table = queries.llm_calls(store, f, limit, offset)
    if ARROW_STREAM in request.headers.get("accept", ""):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return Response(sink.getvalue().to_pybytes(), media_type=ARROW_STREAM)
    more = table.num_rows == limit
    return JSONResponse({"since": rfc3339(f.since), "until": rfc3339(f.until), "limit": limit, "offset": offset,
                         "next_offset": offset + limit if more else None, "rows": json_rows(table)})
