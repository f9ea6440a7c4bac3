"""Drift: the drift job's comparisons, their per-feature results, and their Evidently HTML reports.

Reports are files under the service's drift report directory (`ApiContext.drift_reports_dir`).
A report is found by its comparison's id, validated as 32 hex digits and looked up in
`drift_results`, never by a path from the request; so no request can name a file outside
that directory.

Every feature row carries `direction` (p_value: drift when score <= threshold; distance: drift
when score >= threshold) and `severity`, the score on one scale for both (1 at the threshold,
above 1 when drifted), so that no client compares raw scores of different tests.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from client.models.drift import DriftResult, DriftResults
from client.models.wire import ErrorBody
from pipelines.drift.direction import severity
from spyglass.api.common import Strings, filters
from spyglass.api.context import ContextDep, StoreDep
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import rfc3339
from store.base import Store
from store.errors import BadInput
from store.queries import drift as q

router = APIRouter(prefix="/api/v1/drift")
_ID = re.compile(r"^[0-9a-f]{32}$")
_TIMES = ("computed_at", "reference_since", "reference_until", "current_since", "current_until")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such drift result"}}
MAX_RESULTS = 1_000


@router.get("")
def list_drift(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
               project: Strings = None, service: Strings = None, model: Strings = None, feature: Strings = None,
               latest: bool = False,
               limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 200) -> DriftResults:
    """Comparisons computed in the range (default: the last 7 days), newest first, each with its features;
    `latest=true` keeps only the newest comparison per (project, service, model, feature)."""
    f = filters(scope, since, until, project, service, model, timedelta(days=7), feature=feature)
    return DriftResults.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until),
                                        "results": _results(store, q.list_results(store, f, latest, limit))})


@router.get("/{result_id}", response_model=DriftResult, responses=_NOT_FOUND)
def get_drift(store: StoreDep, scope: ScopeDep, result_id: str) -> DriftResult | JSONResponse:
    """One comparison with its features (404 when the id is unknown, or of a project the key does not read)."""
    results = _results(store, _result(store, scope, result_id))
    return DriftResult.model_validate(results[0]) if results else _not_found(result_id)


@router.get("/{result_id}/report", response_class=HTMLResponse, responses=_NOT_FOUND)
def get_report(context: ContextDep, scope: ScopeDep, result_id: str) -> Response:
    """The comparison's Evidently HTML report (404 when the id is unknown, of a project the key does not read,
    or it has no report)."""
    rows = _result(context.store, scope, result_id).to_pylist()
    if not rows:
        return _not_found(result_id)
    if not rows[0]["report_file"]:
        return JSONResponse({"error": f"drift result {result_id} has no report: status "
                                      f"{rows[0]['status']}"}, status_code=404)
    directory = context.drift_reports_dir
    path = (directory / rows[0]["report_file"]).resolve() if directory else None
    if path is None or directory is None or path.parent != directory.resolve() or not path.is_file():
        return JSONResponse({"error": f"the report of drift result {result_id} is not in this service's "
                                      "report directory (drift_reports_dir)"}, status_code=404)
    return FileResponse(path, media_type="text/html")


def _valid(result_id: str) -> str:
    if not _ID.match(result_id):
        raise BadInput(f"id: {result_id!r} is not a drift result id (32 hexadecimal digits)")
    return result_id


def _result(store: Store, scope: Scope, result_id: str) -> pa.Table:
    """The result's row, or none when the id is unknown or its project is not the key's (so a 404 either way)."""
    table = q.get_result(store, _valid(result_id))
    return table.filter(pa.array([scope.allows(p) for p in table.column("project").to_pylist()], pa.bool_()))


def _not_found(result_id: str) -> JSONResponse:
    return JSONResponse({"error": f"no drift result with id {result_id}"}, status_code=404)


def _results(store: Store, table: pa.Table) -> list[dict[str, Any]]:
    """Result rows ready for the wire model, each with its feature rows (and their severity)."""
    rows = table.to_pylist()
    features: dict[str, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if rows:
        for feature in q.feature_results(store, list(features)).to_pylist():
            feature.pop("computed_at")
            feature["severity"] = severity(feature["score"], feature["threshold"], feature["direction"])
            features[feature.pop("id")].append(feature)
    for row in rows:
        for name in _TIMES:
            row[name] = rfc3339(row[name])
        row["features"] = features[row["id"]]
    return rows
