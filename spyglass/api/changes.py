"""Changes: list and read what changed in the fleet (detected by the changes job or reported), and report one.

A report is what a CI/CD pipeline sends at a deploy (`spyglass changes record` does it for it); like every route
that changes state it takes an admin key when keys are configured (access.py). A bad body is a 400 and writes
nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from client.models.changes import KINDS, Change, Changes, ChangeVerdict, ChangeVerdicts, ReportChange, VerdictRun
from client.models.wire import ErrorBody
from releases.change import SOURCES, nanoseconds
from releases.comparison import Comparison
from releases.reported import FUTURE_SLACK, check_time, record, reported_change
from spyglass.api.compare import wire as comparison_wire
from spyglass.api.context import StoreDep
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import parse_time, rfc3339, rfc3339_ns, time_range
from store.base import Store
from store.errors import BadInput, Conflict
from store.queries import change_verdicts as verdicts_q
from store.queries import changes as q

router = APIRouter(prefix="/api/v1/changes")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such change"}}
DEFAULT_LOOKBACK = timedelta(days=30)


def _verdict(v: verdicts_q.Verdict) -> ChangeVerdict:
    return ChangeVerdict(verdict=v.verdict, score=v.score, worse=list(v.worse), mode=v.mode, run_at=rfc3339(v.run_at),
                         window_start=rfc3339(v.window_start), window_end=rfc3339(v.window_end))


def wire(row: dict[str, Any], verdict: verdicts_q.Verdict | None = None) -> Change:
    fields = {name: value for name, value in row.items() if name not in ("at_ns", "recorded_ns")}
    return Change(**fields, at=rfc3339_ns(row["at_ns"]), recorded_at=rfc3339_ns(row["recorded_ns"]),
                  verdict=None if verdict is None else _verdict(verdict))


def _with_verdicts(store: Store, rows: list[dict[str, Any]]) -> list[Change]:
    """Changes as sent: each with its latest verdict (one query for all)."""
    latest = verdicts_q.latest_verdicts(store, [row["id"] for row in rows])
    return [wire(row, latest.get(row["id"])) for row in rows]


@router.get("")
def list_changes(store: StoreDep, scope: ScopeDep,
                 since: Annotated[str | None, Query(description="RFC 3339 or a look-back such as 7d (default 30d)")] = None,
                 until: Annotated[str | None, Query(description="RFC 3339 or now (default: now, and reports "
                                                                "dated a little ahead)")] = None,
                 project: str | None = None, service: str | None = None, kind: str | None = None,
                 source: str | None = None, model: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=10_000)] = 500) -> Changes:
    """Changes in the range, newest first; each filter is an exact match (a price change has project and
    service '')."""
    now = datetime.now(timezone.utc)
    start, end = time_range(since, until or rfc3339(now + FUTURE_SLACK), DEFAULT_LOOKBACK, now)
    for name, value, known in (("kind", kind, KINDS), ("source", source, SOURCES)):
        if value is not None and value not in known:
            raise BadInput(f"{name}: {value!r} is not one of {', '.join(known)}")
    projects = scope.narrow([project] if project is not None else None)
    filters = {name: value for name, value in (("service", service), ("kind", kind),
                                                ("source", source), ("model", model)) if value is not None}
    rows = q.find(store, start, end, filters, limit, projects)
    return Changes(since=rfc3339(start), until=rfc3339(end), changes=_with_verdicts(store, rows))


@router.post("")
def report_change(store: StoreDep, scope: ScopeDep, body: ReportChange) -> Change:
    """Record a change (a deploy from a CI/CD pipeline, a flag flipped by hand); with an `id` already recorded,
    nothing is written and the change recorded first under it is the answer (a retry is harmless)."""
    scope.require(body.project.strip(), "reporting a change")
    now = datetime.now(timezone.utc)
    at = parse_time(body.at, now, "at") if body.at else now
    check_time(at, now)
    change = reported_change(body.kind, body.service, body.to_value, nanoseconds(at), project=body.project,
                             from_value=body.from_value, model=body.model, subject=body.subject, author=body.author,
                             description=body.description, link=body.link, id=body.id)
    recorded = record(store, change, now)
    if not scope.allows(recorded["project"]):  # the id is taken by another project's change: say no more
        raise Conflict(f"change id {change.id} is taken; report the change under another id")
    return wire(recorded)


def _visible(store: Store, scope: Scope, change_id: str) -> dict[str, Any] | None:
    """The change, when it exists and is of the key's projects (else None: 404, as an unknown id)."""
    row = q.change(store, change_id)
    return row if row is not None and scope.allows(row["project"]) else None


@router.get("/{change_id}", response_model=Change, responses=_NOT_FOUND)
def get_change(store: StoreDep, scope: ScopeDep, change_id: str) -> Change | JSONResponse:
    row = _visible(store, scope, change_id)
    if row is None:
        return JSONResponse({"error": f"no change with id {change_id}"}, status_code=404)
    [change] = _with_verdicts(store, [row])
    return change


@router.get("/{change_id}/verdicts", response_model=ChangeVerdicts, responses=_NOT_FOUND)
def get_change_verdicts(store: StoreDep, scope: ScopeDep, change_id: str,
                        limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> ChangeVerdicts | JSONResponse:
    """The change and its canary analysis runs, newest first, each with the whole comparison (per metric: both
    sides' values, the difference with its 95 % interval, p-values, outcome): a release's history of verdicts."""
    row = _visible(store, scope, change_id)
    if row is None:
        return JSONResponse({"error": f"no change with id {change_id}"}, status_code=404)
    runs = verdicts_q.verdict_runs(store, change_id, limit)
    [change] = _with_verdicts(store, [row])
    return ChangeVerdicts(change=change, verdicts=[VerdictRun(
        verdict=r["verdict"], score=r["score"], worse=list(r["worse"]), mode=r["mode"], run_at=rfc3339(r["run_at"]),
        window_start=rfc3339(r["window_start"]), window_end=rfc3339(r["window_end"]),
        comparison=comparison_wire(Comparison.from_json(r["report"]))) for r in runs])
