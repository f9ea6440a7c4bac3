"""Agent, tool and retrieval spans: count, errors and latency per operation, name and service.

These spans are GenAI operations that are not model calls (`invoke_agent`, `execute_tool`,
`retrieval`, workflows and chains); `llm_calls` leaves them out on purpose (frameworks put
their children's summed usage on them), so they are read from `otel_traces` itself. Which
attribute carries the operation and the name is the collector's alias table: it renders
the expressions (`SpanSql`) and this module only places them, so the two never disagree.

The read narrows first by what the table's layout answers cheaply: the time range (daily
partitions and the key's time column), the services (the key's first column), and a span
carrying an operation attribute (the bloom index on attribute keys skips plain HTTP spans).
A span delivered twice counts once (calls and errors are distinct span ids); latency
percentiles read every copy, which a duplicate barely moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store.base import Store, query_rows
from store.params import NS_TYPE, time_param

_ERROR = "StatusCode IN ('Error', 'STATUS_CODE_ERROR')"


@dataclass(frozen=True)
class SpanSql:
    """SQL expressions over `otel_traces` columns, rendered from the alias table (fixed text, never user input)."""

    operation: str  # the span's GenAI operation ('' when it names none)
    name: str  # the tool's, agent's or data source's name, else the span name
    project: str
    carries_operation: str  # a predicate the attribute-key index can answer


@dataclass(frozen=True)
class OperationFilters:
    since: datetime
    until: datetime
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def operations(store: Store, f: OperationFilters, sql: SpanSql, model_operations: tuple[str, ...],
               limit: int) -> list[dict[str, Any]]:
    """Per (operation, name, service), busiest first: calls, errors and latency percentiles (ns)."""
    spans = [f"Timestamp >= {{since:{NS_TYPE}}}", f"Timestamp < {{until:{NS_TYPE}}}", sql.carries_operation]
    params: dict[str, Any] = {"since": time_param(f.since), "until": time_param(f.until),
                              "model_operations": list(model_operations), "limit": limit}
    if f.services:
        spans.append("ServiceName IN {services:Array(String)}")
        params["services"] = list(f.services)
    picked = ["operation != ''", "operation NOT IN {model_operations:Array(String)}"]
    for column, values in (("project", f.projects), ("operation", f.operations), ("name", f.names)):
        if values:
            picked.append(f"{column} IN {{{column}s:Array(String)}}")
            params[f"{column}s"] = list(values)
    return query_rows(store, f"""
SELECT operation, name, service, uniqExact(TraceId, SpanId) AS calls,
    uniqExactIf(TraceId, SpanId, {_ERROR}) AS errors, quantiles(0.5, 0.95, 0.99)(Duration) AS latency_ns
FROM (
    SELECT {sql.operation} AS operation, {sql.name} AS name, ServiceName AS service, {sql.project} AS project,
        TraceId, SpanId, Duration, StatusCode
    FROM otel_traces
    WHERE {" AND ".join(spans)}
)
WHERE {" AND ".join(picked)}
GROUP BY operation, name, service
ORDER BY calls DESC, operation, name, service
LIMIT {{limit:UInt32}}""", params)
