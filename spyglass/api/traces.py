"""The trace explorer: GET /api/v1/traces (one row per trace, keyset paging) and GET /api/v1/traces/{trace_id}.

Parameters, as a person types them:
- `since`/`until` (default the last 24 hours): traces whose first LLM call started in the range (a row sums all
  its calls);
- `project`, `service`, `model`, `team`, `feature`, `user`, `environment` (exact, repeatable): traces with a call
  in the range matching them all; `service=spyglass` alone lists Spyglass's own traces instead, which have no LLM call
  (store/queries/root_traces.py: read from their root spans); `status` is `ok` (no error) or `error` (a failed call or a failed root span);
- `min_cost`: a decimal amount (`0.05`); `min_duration`: a duration (`1500ms`, `2s`, `1m30s`) or a number of
  milliseconds (`250`, `2.5`);
- `q`: a trace id prefix (hexadecimal), an exact user id, session id or response id, or a piece of a span name
  (the root's or an LLM call's; case-insensitive);
- `sort`: `time` (newest first), `cost` or `duration` (largest first), ties by trace id; `cursor`: the
  `next_cursor` of the previous page, sent with the same parameters (and the `since`/`until` the previous
  answer resolved, so that a relative range does not move between pages).
A cursor is opaque text: the sort it belongs to, the last row's exact key and trace id.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from alerts.durations import parse_duration
from client.models.traces import TraceDetail, TraceRow, Traces, TraceTokens
from client.models.wire import ErrorBody
from spyglass.api.common import Strings, filters
from spyglass.api.context import ContextDep, StoreDep
from spyglass.api.scope import ScopeDep
from spyglass.api.trace_detail import span_project, trace_detail
from spyglass.telemetry import SELF
from spyglass.timerange import rfc3339, rfc3339_ns
from store.errors import BadInput
from store.queries import traces as q
from store.queries.root_traces import root_trace_list

router = APIRouter(prefix="/api/v1")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No span or call of that trace"}}
MAX_LIMIT = 1000


def encode_cursor(sort: str, key: str, trace_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, key, trace_id]).encode()).decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> q.After:
    """The position a cursor names; 400 when it is not one of this list's cursors in this sort."""
    try:
        kind, key, trace_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not all(isinstance(v, str) for v in (kind, key, trace_id)):
            raise ValueError
        if kind == "cost":
            Decimal(key)
        elif not -2**63 <= int(key) < 2**63:  # nanoseconds, an Int64
            raise ValueError
    except (ValueError, TypeError, InvalidOperation, binascii.Error, UnicodeDecodeError):
        raise BadInput("cursor: not a cursor of GET /api/v1/traces (pass the next_cursor of the previous page "
                       "unchanged)") from None
    if kind != sort:
        raise BadInput(f"cursor: it continues a list sorted by {kind}, not by {sort}; send the same sort")
    return q.After(key, trace_id)


def parse_min_cost(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadInput(f"min_cost: {text!r} is not a decimal amount such as 0.05") from None
    if not value.is_finite() or value < 0:
        raise BadInput(f"min_cost: {text!r} is not a decimal amount of at least 0")
    return value


def parse_min_duration(text: str | None) -> int | None:
    """Nanoseconds from `1500ms`, `2s`, `1m30s`, or a bare number of milliseconds (`250`, `2.5`)."""
    if text is None:
        return None
    try:
        ms = Decimal(text.strip())
    except InvalidOperation:
        try:
            return parse_duration(text) // timedelta(microseconds=1) * 1000
        except ValueError:
            raise BadInput(f"min_duration: {text!r} is neither a number of milliseconds (250) nor a duration "
                           "such as 1500ms, 2s or 1m30s") from None
    if not ms.is_finite() or ms < 0:
        raise BadInput(f"min_duration: {text!r} must be at least 0 milliseconds")
    return int(ms * 1_000_000)


def _row(row: dict[str, Any]) -> TraceRow:
    tokens = TraceTokens(**{kind: row[f"{kind}_tokens"] for kind in TraceTokens.model_fields})
    return TraceRow.model_validate({**row, "start": rfc3339_ns(row["start_ns"]), "duration_ms": row["duration_ns"] / 1e6,
                                    "llm_calls": row["calls"], "tokens": tokens})


@router.get("/traces")
def traces(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
           project: Strings = None, service: Strings = None, model: Strings = None, team: Strings = None,
           feature: Strings = None, user: Strings = None, environment: Strings = None, status: str | None = None,
           min_cost: str | None = None, min_duration: str | None = None, q_: Annotated[str | None, Query(alias="q")] = None,
           sort: str = "time", limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
           cursor: str | None = None) -> Traces:
    """One row per trace (root span, service, start, duration, LLM calls, tokens, exact cost, error), by `sort`
    descending then trace id; `next_cursor` continues exactly after the last row."""
    if sort not in q.SORTS:
        raise BadInput(f"sort: {sort!r} is not one of {', '.join(q.SORTS)}")
    if status not in (None, "ok", "error"):
        raise BadInput(f"status: {status!r} is not ok or error (a trace is in error when a call or its root failed)")
    f = filters(scope, since, until, project, service, model, timedelta(hours=24), team=team, feature=feature,
                user_id=user, environment=environment)
    text = (q_ or "").strip()
    query = q.TraceListQuery(f, sort, limit, None if status is None else status == "error", parse_min_cost(min_cost),
                             parse_min_duration(min_duration), text or None,
                             decode_cursor(cursor, sort) if cursor else None)
    if service == [SELF]:  # the service's own work serves every project: a key of every project reads it
        scope.require(None, "Spyglass's own traces")
    rows = root_trace_list(store, query, SELF) if service == [SELF] else q.trace_list(store, query)
    last = rows[-1] if len(rows) == limit else None
    return Traces(since=rfc3339(f.since), until=rfc3339(f.until), sort=sort, limit=limit,
                  rows=[_row(r) for r in rows],
                  next_cursor=encode_cursor(sort, q.sort_key(last, sort), last["trace_id"]) if last else None)


@router.get("/traces/{trace_id}", response_model=TraceDetail, responses=_NOT_FOUND)
def trace(context: ContextDep, scope: ScopeDep, trace_id: str) -> TraceDetail | JSONResponse:
    """Every span of the trace, parents before children by start, with each LLM call's typed tokens and cost
    (token price breakdown, or its GPU share), and the trace's totals. Prompt and completion content appears
    only for projects that capture it, redacted as stored. A trace that touches a project the key does not read is
    a 404, as an unknown id: a scoped key cannot learn that it exists."""
    trace_id = trace_id.strip().lower()
    if not _TRACE_ID.fullmatch(trace_id):
        raise BadInput(f"trace_id: {trace_id!r} is not a trace id (32 hexadecimal digits)")
    store = context.store
    spans, calls = q.trace_spans(store, trace_id), q.trace_calls(store, trace_id)
    projects = [c["project"] for c in calls] + [span_project(s) for s in spans]
    if not projects or not scope.allows_all(projects):
        return JSONResponse({"error": f"no trace with id {trace_id}"}, status_code=404)
    costs = q.call_costs(store, trace_id, calls)
    return trace_detail(trace_id, spans, calls, costs, lambda project: project in context.content_projects)
