"""Agent, tool and retrieval spans: how often each ran, how often it failed, how long it took.

`llm_calls` holds model calls only, so `llm-calls?operation=execute_tool` can never answer;
this summary reads the other GenAI spans from `otel_traces` with the alias table's own
attribute names (collector/normalise/genai_view.span_sql). The trace explorer comes later.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from client.models.operations import Operations
from collector.normalise.genai_aliases import MODEL_OPERATIONS
from collector.normalise.genai_view import span_sql
from spyglass.api.common import Strings
from spyglass.api.context import StoreDep
from spyglass.api.scope import ScopeDep
from spyglass.timerange import rfc3339, time_range
from store.errors import BadInput
from store.queries import operations as q

router = APIRouter(prefix="/api/v1")
SPAN_SQL = span_sql()


@router.get("/operations")
def operations(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
               project: Strings = None, service: Strings = None, operation: Strings = None, name: Strings = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Operations:
    """Per (operation, name, service), busiest first: calls, errors, error rate, latency p50/p95/p99.

    Agent, tool, retrieval, workflow and chain spans; model calls (chat, embeddings, ...) are in /summary.
    """
    models = sorted(set(operation or ()) & set(MODEL_OPERATIONS))
    if models:
        raise BadInput(f"operation: {', '.join(map(repr, models))} are model calls: see /api/v1/summary and "
                       "/api/v1/llm-calls")
    start, end = time_range(since, until, timedelta(hours=24))
    f = q.OperationFilters(start, end, scope.narrow(project), tuple(service or ()), tuple(operation or ()),
                           tuple(name or ()))
    rows = []
    for row in q.operations(store, f, SPAN_SQL, MODEL_OPERATIONS, limit):
        p50, p95, p99 = row.pop("latency_ns")
        rows.append({**row, "error_rate": row["errors"] / row["calls"],
                     "latency_ms": {"p50": p50 / 1e6, "p95": p95 / 1e6, "p99": p99 / 1e6}})
    return Operations.model_validate({"since": rfc3339(start), "until": rfc3339(end), "rows": rows})
