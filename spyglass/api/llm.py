"""LLM calls: summary, time series, filter values, and the calls themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import pyarrow as pa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from client.models.llm import FilterValues, LlmCalls, Summary, Timeseries
from spyglass.api.common import CallFilters, filters, json_rows, nice_step
from spyglass.api.context import StoreDep
from spyglass.api.scope import ScopeDep
from spyglass.timerange import rfc3339
from store import queries
from store.errors import BadInput

ARROW_STREAM = "application/vnd.apache.arrow.stream"
MAX_ROWS = 10_000

router = APIRouter(prefix="/api/v1")


@router.get("/summary")
def summary(store: StoreDep, f: CallFilters) -> Summary:
    """Requests, errors, tokens by type and p50/p95/p99 latency: overall and by model."""
    return Summary.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until),
                                   **queries.summary(store, f)})


@router.get("/timeseries")
def timeseries(store: StoreDep, f: CallFilters, step: Annotated[int | None, Query(ge=1, le=31 * 86400)] = None,
               by: str | None = None) -> Timeseries:
    """Requests, errors and tokens per time bucket; `by` splits into series (model, service, ...)."""
    if by is not None and by not in queries.SERIES_BY:
        raise BadInput(f"by: must be one of {', '.join(queries.SERIES_BY)}")
    step = step or nice_step((f.until - f.since).total_seconds())
    table = queries.timeseries(store, f, step, by)
    return Timeseries.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until), "step_seconds": step,
                                      "points": json_rows(table)})


@router.get("/filters")
def filter_values(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None) -> FilterValues:
    """Projects, environments, services and models seen in the range, for filter pickers."""
    f = filters(scope, since, until, [], [], [], timedelta(days=7))
    return FilterValues.model_validate(queries.dimensions(store, f))


@router.get("/llm-calls", response_model=LlmCalls, responses={200: {
    "description": "JSON, or with `Accept: application/vnd.apache.arrow.stream` the rows as an Arrow IPC stream",
    "content": {ARROW_STREAM: {"schema": {"type": "string", "format": "binary"}}}}})
def llm_calls(request: Request, store: StoreDep, f: CallFilters,
              limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0) -> LlmCalls | Response:
    """Typed LLM calls, newest first; JSON, or Arrow IPC with `Accept: application/vnd.apache.arrow.stream`."""
    table = queries.llm_calls(store, f, limit, offset)
    if ARROW_STREAM in request.headers.get("accept", ""):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return Response(sink.getvalue().to_pybytes(), media_type=ARROW_STREAM)
    more = table.num_rows == limit
    return LlmCalls.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until), "limit": limit,
                                    "offset": offset, "next_offset": offset + limit if more else None,
                                    "rows": json_rows(table)})
