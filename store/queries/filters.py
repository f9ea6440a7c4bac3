"""What every query is filtered by: a UTC time range and dimension values.

The WHERE clause is fixed text chosen by which filters are set; values are parameters.
Status follows OpenTelemetry: a span the SDK leaves `unset` succeeded, so `status=ok` means
"not an error" (ok or unset), and `unset` alone selects only the spans that set no status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from store.params import time_param

# Columns besides project/service/model that callers may filter on (exact match).
EXTRA_FILTERS = ("environment", "operation", "provider", "status", "error_type", "team", "feature", "user_id",
                 "session_id", "host_name", "trace_id")
STATUSES = ("ok", "error", "unset")
# Filter values that stand for several stored values.
_MEANS = {"status": {"ok": ("ok", "unset")}}


def stored_values(column: str, values: tuple[str, ...]) -> list[str]:
    """The stored values a filter on `column` selects (`status=ok` selects ok and unset)."""
    means = _MEANS.get(column, {})
    return list(dict.fromkeys(stored for value in values for stored in means.get(value, (value,))))


@dataclass(frozen=True)
class Filters:
    """A time range [since, until) in UTC and optional dimension filters (empty = all)."""

    since: datetime
    until: datetime
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def where(self) -> tuple[str, dict[str, Any]]:
        """The WHERE clause over `llm_calls` columns, and its parameters."""
        clauses = ["timestamp >= {since:DateTime64(9, 'UTC')}", "timestamp < {until:DateTime64(9, 'UTC')}"]
        params: dict[str, Any] = {"since": time_param(self.since), "until": time_param(self.until)}
        dimensions, dimension_params = self.dimensions_where()
        return " AND ".join([*clauses, *dimensions]), {**params, **dimension_params}

    def dimensions_where(self) -> tuple[list[str], dict[str, Any]]:
        """The clauses on dimensions alone (no time), and their parameters: the call rollups have the same
        dimension columns as `llm_calls`, so the same clauses filter them."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.projects:
            clauses.append("project IN {projects:Array(String)}")
            params["projects"] = list(self.projects)
        if self.services:
            clauses.append("service_name IN {services:Array(String)}")
            params["services"] = list(self.services)
        if self.models:
            clauses.append("(request_model IN {models:Array(String)} OR response_model IN {models:Array(String)})")
            params["models"] = list(self.models)
        for column, values in sorted(self.extra.items()):
            if column not in EXTRA_FILTERS:
                raise ValueError(f"not a filterable column: {column}")
            clauses.append(f"{column} IN {{f_{column}:Array(String)}}")
            params[f"f_{column}"] = stored_values(column, values)
        return clauses, params
