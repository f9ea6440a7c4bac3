"""What every API router shares: filters from query parameters, bucket widths, JSON rows.

`call_filters` is the one definition of the filters over LLM calls: every endpoint that reads
`llm_calls` (summary, time series, the calls) takes all of them, so none can ignore one;
`cost_filters` is the same for the dimensions of the cost rows. `filters` takes the request's key scope
(scope.py) first, so no route builds Filters that reach beyond the key's projects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Depends, Query

from collector.normalise.genai_aliases import MODEL_OPERATIONS
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import rfc3339_ns, time_range
from store import queries
from store.errors import BadInput

# A repeatable filter (`model=a&model=b`); absent means "all".
Strings = Annotated[list[str] | None, Query()]


def filters(scope: Scope, since: str | None, until: str | None, project: Sequence[str] | None,
            service: Sequence[str] | None, model: Sequence[str] | None,
            default_lookback: timedelta = timedelta(hours=24), **extra: Sequence[str] | None) -> queries.Filters:
    """Filters from query parameters, the projects narrowed to the key's (403 for a project outside them)."""
    start, end = time_range(since, until, default_lookback)
    return queries.Filters(start, end, scope.narrow(project), tuple(service or ()), tuple(model or ()),
                           {name: tuple(values) for name, values in extra.items() if values})


def call_filters(scope: ScopeDep, since: str | None = None, until: str | None = None, project: Strings = None,
                 service: Strings = None, model: Strings = None, provider: Strings = None, operation: Strings = None,
                 status: Strings = None, error_type: Strings = None, team: Strings = None, feature: Strings = None,
                 user_id: Strings = None, session_id: Strings = None, host_name: Strings = None,
                 environment: Strings = None, trace_id: Strings = None) -> queries.Filters:
    """The filters over LLM calls (default: the last 24 hours). `status=ok` includes spans whose status is unset."""
    bad = sorted(set(status or ()) - set(queries.STATUSES))
    if bad:
        raise BadInput(f"status: {', '.join(map(repr, bad))} is not one of {', '.join(queries.STATUSES)} "
                       "(ok includes spans that set no status)")
    others = sorted(set(operation or ()) - {*MODEL_OPERATIONS, ""})
    if others:
        raise BadInput(f"operation: LLM calls are model operations ({', '.join(MODEL_OPERATIONS)}); "
                       f"{', '.join(map(repr, others))} spans (agents, tools, retrieval) are in /api/v1/operations")
    return filters(scope, since, until, project, service, model, provider=provider, operation=operation, status=status,
                   error_type=error_type, team=team, feature=feature, user_id=user_id, session_id=session_id,
                   host_name=host_name, environment=environment, trace_id=trace_id)


CallFilters = Annotated[queries.Filters, Depends(call_filters)]


def cost_filters(default_lookback: timedelta) -> Callable[..., queries.Filters]:
    """A dependency: the filters over cost rows (their dimensions: store/queries/spend.DIMENSIONS)."""
    def dependency(scope: ScopeDep, since: str | None = None, until: str | None = None, project: Strings = None,
                   service: Strings = None, model: Strings = None, environment: Strings = None, team: Strings = None,
                   feature: Strings = None, user: Strings = None, provider: Strings = None) -> queries.Filters:
        return filters(scope, since, until, project, service, model, default_lookback, environment=environment,
                       team=team, feature=feature, user=user, provider=provider)

    return dependency


def nice_step(seconds: float, points: int = 120) -> int:
    """A bucket width a person reads easily, giving at most about `points` buckets."""
    for step in (10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400):
        if seconds / step <= points:
            return step
    return 30 * 86400


def json_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Arrow rows as dicts ready for a wire model, timestamps as RFC 3339 with nanoseconds."""
    rows = table.to_pylist()
    for column in table.schema:
        if pa.types.is_timestamp(column.type):
            raw = table.column(column.name).cast(pa.timestamp("ns", "UTC")).cast(pa.int64()).to_pylist()
            for row, ns in zip(rows, raw, strict=True):
                row[column.name] = rfc3339_ns(ns) if ns is not None else None
    return rows
