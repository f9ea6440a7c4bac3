"""Running a runbook's diagnostics for an incident: each named query with its parameters taken from the
alert's labels and the incident's window.

Called when an incident opens, so it never raises for one query: a query that fails, that needs a
label the alert lacks, or that this release does not know, is a result saying so, and the others still run. Rows are capped by the query catalog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Literal

from runbooks.document import Runbook
from store.base import Store
from store.errors import SpyglassError
from store.queries import diagnostics as catalog
from store.queries.quality import QualityRules


@dataclass(frozen=True)
class DiagnosticResult:
    """One diagnostic's answer: `ok` with columns and rows, or `skipped`/`error` with a message."""

    query: str
    title: str
    params: Mapping[str, str]  # the label values it ran with ('' = any)
    status: Literal["ok", "skipped", "error"]
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        """The result with JSON-safe values: money as decimal text, times as RFC 3339, NaN as null."""
        return {"query": self.query, "title": self.title, "params": dict(self.params), "status": self.status,
                "columns": list(self.columns), "rows": [[_json(v) for v in row] for row in self.rows],
                "message": self.message}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run_diagnostics(store: Store, runbook: Runbook, labels: Mapping[str, str], since: datetime, until: datetime,
                    quality: QualityRules = QualityRules()) -> list[DiagnosticResult]:
    """Every diagnostic of `runbook`, in its order, over [since, until) with the alert's `labels`; `quality` is
    what passing and positive mean (the service's quality settings)."""
    return [_run(store, ref.query, ref.params, labels, since, until, quality) for ref in runbook.meta.diagnostics]


def _run(store: Store, name: str, mapping: Mapping[str, str], labels: Mapping[str, str], since: datetime,
         until: datetime, quality: QualityRules) -> DiagnosticResult:
    query = catalog.REGISTRY.get(name)
    if query is None:
        return DiagnosticResult(name, name, {}, "skipped", message=f"not available: this release has no "
                                                                    f"diagnostic query named {name}")
    times = {"window.since": since, "window.until": until}
    window = {param: times[source] for param, source in mapping.items() if source in times}
    shown = {param: labels.get(source.removeprefix("labels."), "") for param, source in mapping.items()
             if source not in times}
    absent = [mapping.get(p, f"labels.{p}") for p in query.required_labels if not shown.get(p)]
    if absent:
        return DiagnosticResult(name, query.title, shown, "skipped",
                                message=f"not available: the alert has no {', '.join(absent)}")
    try:
        params = {**catalog.window_params(window.get("since", since), window.get("until", until)),
                  **quality.params(), **{label: "" for label in query.labels}, **shown}
        table = catalog.run(store, query, params)
    except SpyglassError as exc:
        return DiagnosticResult(name, query.title, shown, "error", message=f"{type(exc).__name__}: {exc}")
    rows = tuple(zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True))
    return DiagnosticResult(name, query.title, shown, "ok", tuple(table.column_names), rows)
