"""Agent, tool and retrieval spans: count, errors and latency per operation, name and service.

These spans are GenAI operations that are not model calls (`invoke_agent`, `execute_tool`,
`retrieval`, workflows and chains); `llm_calls` leaves them out on purpose (frameworks put
their children's summed usage on them), so they are read from `otel_traces` itself, and from
its per-minute and per-hour rollups (`operations_1m`/`_1h`, migration 26) where those hold the
range: whole hours from the hour rollup, the edges from minutes, and from `otel_traces` what
the rollup job has not rolled up yet (store/queries/rollup_plan.py). Which attribute carries
the operation and the name is the collector's alias table: it renders the expressions
(`SpanSql`) and this module only places them, so the two never disagree.

The raw read narrows first by what the table's layout answers cheaply: the time range (daily
partitions and the key's time column), the services (the key's first column), and a span
carrying an operation attribute (the bloom index on attribute keys skips plain HTTP spans).
A span delivered twice counts once (calls and errors are distinct span ids); latency
percentiles read every copy, which a duplicate barely moves (`counted`, which the rollup job
uses too). They are the rollups' sketch, raw spans included (within 1.14 % of the value at their
rank, as the call rollups'), so an answer does not move when the rollup job catches up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store.base import Store, query_rows
from store.params import NS_TYPE, S_TYPE
from store.queries import minute_rollups
from store.queries.call_rollup import LEVELS, decoded, duration_code
from store.queries.minute_rollups import Rollup, ranges_where
from store.queries.rollup_plan import Piece
from store.tables import OPERATION_DAYS, OPERATION_DIMENSIONS, OPERATION_HOURS, OPERATION_MINUTES

ERROR = "StatusCode IN ('Error', 'STATUS_CODE_ERROR')"
OPERATIONS = Rollup("operation-rollup", "otel_traces", "Timestamp", OPERATION_MINUTES, OPERATION_HOURS,
                    OPERATION_DAYS, OPERATION_DIMENSIONS)


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


def operation_spans(sql: SpanSql, where: str, keys: dict[str, str] | None = None) -> str:
    """A subquery of the spans of `otel_traces` matching `where` that carry an operation attribute, every
    delivered copy: project, service_name, operation, name, TraceId, SpanId, Duration, StatusCode, and `keys`
    (name -> expression over `otel_traces`)."""
    selected = {**(keys or {}), "project": sql.project, "service_name": "ServiceName", "operation": sql.operation,
                "name": sql.name}
    return f"""
    SELECT {", ".join(f"{expr} AS {alias}" for alias, expr in selected.items())}, TraceId, SpanId, Duration, StatusCode
    FROM otel_traces
    WHERE {where} AND {sql.carries_operation}"""


def counted() -> dict[str, str]:
    """Calls and errors over `operation_spans` rows, each span once however often it was delivered, and the latency
    state (the rollups' sketch) of every copy (a duplicate barely moves it)."""
    return {"calls": "uniqExact(TraceId, SpanId)", "errors": f"uniqExactIf(TraceId, SpanId, {ERROR})",
            "latency": f"quantilesTimingState({LEVELS})({duration_code('Duration')})"}


def _picked(f: OperationFilters, model_operations: tuple[str, ...]) -> tuple[list[str], dict[str, Any]]:
    """The predicates on the dimensions (columns named as in the rollups) and their parameters."""
    picked = ["operation != ''", "operation NOT IN {model_operations:Array(String)}"]
    params: dict[str, Any] = {"model_operations": list(model_operations)}
    for column, values in (("project", f.projects), ("service_name", f.services), ("operation", f.operations),
                           ("name", f.names)):
        if values:
            picked.append(f"{column} IN {{{column}s:Array(String)}}")
            params[f"{column}s"] = list(values)
    return picked, params


def _partials(f: OperationFilters, sql: SpanSql, model_operations: tuple[str, ...],
              plan: list[Piece]) -> tuple[str, dict[str, Any]]:
    """The union of the pieces' partial aggregates per (operation, name, service) and its parameters."""
    picked, params = _picked(f, model_operations)
    grouped = "operation, name, service_name"
    selects = []
    raw = [p for p in plan if p.source == "raw"]
    if raw:
        within, times = ranges_where("raw", "Timestamp", NS_TYPE, 6, raw)
        narrowed = [within, *(["ServiceName IN {service_names:Array(String)}"] if f.services else [])]
        measures = ", ".join(f"{expr} AS {alias}" for alias, expr in counted().items())
        selects.append(f"""SELECT {grouped}, {measures}
FROM ({operation_spans(sql, " AND ".join(narrowed))})
WHERE {" AND ".join(picked)} GROUP BY {grouped}""")
        params |= times
    for source, table in (("minutes", OPERATIONS.minute_table), ("hours", OPERATIONS.hour_table),
                          ("days", OPERATIONS.day_table)):
        ranges = [p for p in plan if p.source == source]
        if ranges:
            within, times = ranges_where(source, "period", S_TYPE, 0, ranges)
            selects.append(f"""SELECT {grouped}, sum(calls) AS calls, sum(error_calls) AS errors,
    quantilesTimingMergeState({LEVELS})(duration_sketch) AS latency
FROM {table} FINAL
WHERE {" AND ".join([within, *picked])} GROUP BY {grouped}""")
            params |= times
    return "\nUNION ALL\n".join(selects), params


def operations(store: Store, f: OperationFilters, sql: SpanSql, model_operations: tuple[str, ...],
               limit: int) -> list[dict[str, Any]]:
    """Per (operation, name, service), busiest first: calls, errors and latency percentiles (ns)."""
    plan = minute_rollups.pieces(store, OPERATIONS, f.since, f.until)
    partials, params = _partials(f, sql, model_operations, plan)
    latency = decoded(f"quantilesTimingMerge({LEVELS})(latency)")
    return query_rows(store, f"""
SELECT operation, name, service_name AS service, sum(calls) AS calls, sum(errors) AS errors, {latency} AS latency_ns
FROM ({partials})
GROUP BY operation, name, service_name
ORDER BY calls DESC, operation, name, service
LIMIT {{limit:UInt32}}""", {**params, "limit": limit})
