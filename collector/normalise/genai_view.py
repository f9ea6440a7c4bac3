"""Render the alias table as the SQL that turns `otel_traces` rows into `llm_calls` rows.

The view reads the exporter-shaped columns (attributes as strings, as the OpenTelemetry
Collector's ClickHouse exporter writes them), so spans from our receivers and from a
foreign collector are normalised by the same SQL. When the view is (re)created, spans
already in `otel_traces` are normalised too; `llm_calls` collapses any duplicates.
`span_sql` renders the same table for the spans the view leaves out (agents, tools,
retrieval), which the API reads from `otel_traces` (store/queries/operations.py).
"""

from __future__ import annotations

from collector.normalise.genai_aliases import (
    ALIASES,
    MODEL_OPERATIONS,
    OPERATION_NAMES,
    OTHER_OPERATION_NAMES,
    USAGE_COLUMNS,
    Alias,
)
from store.ddl import DDL
from store.migrate import RepeatableMigration
from store.queries.operations import SpanSql

VIEW = "llm_calls_mv"


def _lit(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


_NONE = _lit("")


def _candidates(a: Alias) -> list[str]:
    return ([f"nullIf(SpanAttributes[{_lit(k)}], '')" for k in a.span]
            + [f"nullIf(ResourceAttributes[{_lit(k)}], '')" for k in a.resource])


def _first(a: Alias, default: str = "''") -> str:
    return f"coalesce({', '.join([*_candidates(a), default])})"


def expression(a: Alias) -> str:
    """The SQL expression for one column (pure; tested against the store)."""
    if a.kind == "string":
        value = _first(a, _lit(a.default))
        if a.lower:
            value = f"lower({value})"
        if a.values:
            keys, targets = zip(*sorted(a.values.items()), strict=True)
            value = (f"transform({value}, [{', '.join(map(_lit, keys))}], "
                     f"[{', '.join(map(_lit, targets))}], {value})")
        return value
    if a.kind == "int":
        raw = _first(a, "'0'")
        return (f"ifNull(toInt64OrNull({raw}), "
                f"ifNull(accurateCastOrNull(toFloat64OrNull({raw}), 'Int64'), 0))")
    if a.kind == "seconds":
        raw = _first(a, "NULL")
        return f"accurateCastOrNull(round(toFloat64OrNull({raw}) * 1e9), 'UInt64')"
    if a.kind == "string_list":
        branches = []
        for candidate in _candidates(a):
            value = f"ifNull({candidate}, '')"
            branches += [f"{value} != ''",
                         f"if(startsWith({value}, '['), JSONExtract({value}, 'Array(String)'), [{value}])"]
        return f"multiIf({', '.join(branches)}, CAST([], 'Array(String)'))"
    raise ValueError(f"unknown alias kind {a.kind!r}")


def _columns() -> list[tuple[str, str]]:
    """(name, expression) of every `llm_calls` column the view fills, in one order."""
    status = ("multiIf(StatusCode IN ('Error', 'STATUS_CODE_ERROR'), 'error', "
              "StatusCode IN ('Ok', 'STATUS_CODE_OK'), 'ok', 'unset')")
    columns = [
        ("timestamp", "Timestamp"),
        ("trace_id", "TraceId"),
        ("span_id", "SpanId"),
        ("parent_span_id", "ParentSpanId"),
        ("span_name", "SpanName"),
        ("service_name", "ServiceName"),
        ("scope_name", "ScopeName"),
        ("duration_ns", "Duration"),
        ("status", status),
    ]
    for a in ALIASES:
        value = expression(a)
        if a.column == "error_type":  # the convention's fallback when an error names no type
            value = f"if({value} = '' AND status = 'error', '_OTHER', {value})"
        columns.append((a.column, value))
    usage_names = [k for a in ALIASES if a.column in USAGE_COLUMNS for k in a.span]
    columns.append(("usage_reported",
                    "(" + " OR ".join(f"mapContains(SpanAttributes, {_lit(k)})" for k in usage_names) + ")"))
    return columns


def select_sql(source: str) -> str:
    """The SELECT that maps rows of `source` (exporter-shaped) to `llm_calls` columns."""
    body = ",\n    ".join(f"{expr} AS {name}" for name, expr in _columns())
    model_ops = ", ".join(map(_lit, MODEL_OPERATIONS))
    predicate = (f"operation IN ({model_ops}) OR (operation = '' AND "
                 "(request_model != '' OR response_model != '' OR usage_reported))")
    return f"SELECT\n    {body}\nFROM {source}\nWHERE {predicate}"


def _named(keys: tuple[str, ...]) -> str:
    """The first of these span attributes that is set, else the span's name."""
    return f"coalesce({', '.join(f'nullIf(SpanAttributes[{_lit(k)}], {_NONE})' for k in keys)}, SpanName)"


def span_sql() -> SpanSql:
    """The operation, name and project of any span, as the alias table says (the operations summary reads them)."""
    alias = {a.column: a for a in ALIASES}
    branches = [sql for op, keys in OPERATION_NAMES.items() for sql in (f"operation = {_lit(op)}", _named(keys))]
    carries = " OR ".join(f"mapContains(SpanAttributes, {_lit(k)})" for k in alias["operation"].span)
    return SpanSql(operation=expression(alias["operation"]),
                   name=f"multiIf({', '.join(branches)}, {_named(OTHER_OPERATION_NAMES)})",
                   project=expression(alias["project"]), carries_operation=f"({carries})")


def _statements(ddl: DDL) -> list[str]:
    names = ", ".join(name for name, _ in _columns())
    return [
        *ddl.create_materialized_view(VIEW, "llm_calls", select_sql(ddl.source("otel_traces"))),
        f"INSERT INTO llm_calls ({names}) {select_sql('otel_traces')}",
    ]


MIGRATION = RepeatableMigration(name="llm_calls view", statements=_statements,
                                drop=lambda ddl: ddl.drop_view(VIEW))
