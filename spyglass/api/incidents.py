"""Incidents: list, read, open by hand, move through the lifecycle, note, edit, check runbook steps, write the
post-mortem fields and read the post-mortem report; and across incidents, the response times and the open action
items.

Every change goes through the service's `IncidentDesk` (the one the alert engine opens incidents with).
An id is `INC-<n>` (or just `n`); an unknown one is a 404, a move the lifecycle does not allow a 409 that
lists the allowed ones. Who may change incidents is decided by the application's access rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from alerts.incidents.desk import IncidentDesk, ManualOpening, UnknownIncident
from alerts.incidents.lifecycle import STATUSES, InvalidTransition
from alerts.incidents.model import SEVERITIES, ActionItem, Incident
from alerts.incidents.postmortem.record import gather
from alerts.incidents.postmortem.render import FORMATS, MEDIA_TYPES, render
from client.models import incidents as wire
from client.models.wire import ErrorBody
from spyglass.api import incident_wire as out
from spyglass.api.context import ApiContext, ContextDep
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import parse_time
from store.errors import BadInput, StoreUnavailable

router = APIRouter(prefix="/api/v1")
ALL = 100_000  # the most incidents a summary reads
_ID = re.compile(r"^(?:INC-)?([1-9][0-9]{0,17})$", re.IGNORECASE)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such incident"}}
_MOVES: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND, 409: {"model": wire.TransitionRefused, "description": "The move is not allowed from the "
                                                                        "incident's status; `allowed` lists those that are"}}

_REPORT: dict[int | str, dict[str, Any]] = {
    200: {"description": "The post-mortem: Markdown (`format=md`) or one self-contained HTML page (`format=html`)",
          "content": {"text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}},
    **_NOT_FOUND}


def _desk(context: ApiContext) -> IncidentDesk:
    if context.incidents is None:
        raise StoreUnavailable("this process keeps no incidents (it runs neither the api nor the scheduler role)")
    return context.incidents


def _number(incident_id: str, desk: IncidentDesk, scope: Scope) -> int:
    """The incident's number; UnknownIncident (404) when there is none, or it is not of the key's projects (its
    `project` label), so a scoped key cannot tell another project's incident from a missing one."""
    match = _ID.match(incident_id.strip())
    if not match:
        raise UnknownIncident(f"no incident {incident_id} (an id is INC-<number>)")
    number = int(match.group(1))
    if not scope.everything and not scope.allows_labels(desk.get(number).labels):
        raise UnknownIncident(f"no incident {incident_id}")
    return number


def _seen(found: Sequence[Incident], scope: Scope) -> list[Incident]:
    return [i for i in found if scope.allows_labels(i.labels)]


def _not_found(exc: UnknownIncident) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=404)


def _detail(desk: IncidentDesk, incident: Incident) -> wire.IncidentDetail:
    return out.detail(incident, desk.timeline(incident), desk.runbook(incident))


@router.get("/incidents")
def list_incidents(context: ContextDep, scope: ScopeDep, status: Annotated[list[str] | None, Query()] = None,
                   severity: Annotated[list[str] | None, Query()] = None, service: str | None = None,
                   since: Annotated[str | None, Query(description="detected at or after: RFC 3339 or 7d")] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> wire.Incidents:
    """Incidents newest first; filters repeat (`status=triggered&status=acknowledged`). A key scoped to projects
    sees the incidents whose `project` label is one of them (not those opened by hand, which have none)."""
    desk = _desk(context)
    for name, values, known in (("status", status, STATUSES), ("severity", severity, SEVERITIES)):
        bad = [v for v in values or () if v not in known]
        if bad:
            raise BadInput(f"{name}: {', '.join(bad)} is not one of {', '.join(known)}")
    start = parse_time(since, desk.now(), "since") if since else None
    found = _seen(desk.book.find(status or (), severity or (), service, start, limit if scope.everything else ALL),
                  scope)[:limit]
    return wire.Incidents.model_validate({"incidents": [out.summary(i) for i in found]})


@router.post("/incidents", response_model=wire.IncidentDetail)
def open_incident(context: ContextDep, scope: ScopeDep, body: wire.OpenIncident) -> wire.IncidentDetail:
    """Open an incident by hand (SEV1 is declared here: alerts open SEV2 at most); a runbook given is pinned now."""
    scope.require(None, "an incident opened by hand (it has no project label)")
    desk = _desk(context)
    started = parse_time(body.started_at, desk.now(), "started_at") if body.started_at else None
    opened = desk.open_by_hand(ManualOpening(body.title, body.severity, body.by, body.service.strip(),
                                             body.commander.strip(), body.runbook, started_at=started))
    return _detail(desk, opened)


@router.get("/incidents/metrics")
def incident_metrics(context: ContextDep, scope: ScopeDep, since: str = "90d") -> wire.IncidentMetrics:
    """Time to detect, acknowledge, mitigate and resolve (mean, p90) per week, service and severity; incidents
    and dollars lost per month; over the incidents detected since `since` (default 90 days)."""
    desk = _desk(context)
    start = parse_time(since, desk.now(), "since")
    return out.incident_metrics(start, _seen(desk.book.find(since=start, limit=ALL), scope))


@router.get("/incidents/{incident_id}", response_model=wire.IncidentDetail, responses=_NOT_FOUND)
def get_incident(context: ContextDep, scope: ScopeDep, incident_id: str) -> wire.IncidentDetail | JSONResponse:
    """The incident with its alerts, pinned runbook steps, impact, timeline and post-mortem fields."""
    desk = _desk(context)
    try:
        return _detail(desk, desk.get(_number(incident_id, desk, scope)))
    except UnknownIncident as exc:
        return _not_found(exc)


@router.patch("/incidents/{incident_id}", response_model=wire.IncidentDetail, responses=_NOT_FOUND)
def edit_incident(context: ContextDep, scope: ScopeDep, incident_id: str, body: wire.EditIncident
                  ) -> wire.IncidentDetail | JSONResponse:
    """Change the title, severity or commander."""
    desk = _desk(context)
    try:
        number = _number(incident_id, desk, scope)
        return _detail(desk, desk.edit(number, body.by, body.title, body.severity, body.commander))
    except UnknownIncident as exc:
        return _not_found(exc)


def _move(context: ApiContext, scope: Scope, incident_id: str, action: str, body: wire.TransitionBody
          ) -> wire.IncidentDetail | JSONResponse:
    desk = _desk(context)
    try:
        return _detail(desk, desk.transition(_number(incident_id, desk, scope), action, body.by, body.note))
    except UnknownIncident as exc:
        return _not_found(exc)
    except InvalidTransition as exc:
        return JSONResponse({"error": str(exc), "status": exc.status, "allowed": list(exc.allowed)}, status_code=409)


def _transition_route(action: str, doc: str) -> None:
    def move(context: ContextDep, scope: ScopeDep, incident_id: str, body: wire.TransitionBody
             ) -> wire.IncidentDetail | JSONResponse:
        return _move(context, scope, incident_id, action, body)

    move.__doc__ = doc
    router.add_api_route(f"/incidents/{{incident_id}}/{action}", move, methods=["POST"], name=f"{action}_incident",
                         response_model=wire.IncidentDetail, responses=_MOVES)


for _action, _doc in (("ack", "Acknowledge: someone owns it (they become commander if there is none)."),
                      ("mitigate", "The impact has stopped; the cause may remain."),
                      ("resolve", "The problem is fixed; the impact is measured again for the window."),
                      ("close", "Done: the impact is measured one last time and frozen."),
                      ("reopen", "A resolved incident came back: acknowledged again.")):
    _transition_route(_action, _doc)


@router.post("/incidents/{incident_id}/notes", response_model=wire.TimelineEntry, responses=_NOT_FOUND)
def add_note(context: ContextDep, scope: ScopeDep, incident_id: str, body: wire.NoteBody
             ) -> wire.TimelineEntry | JSONResponse:
    """A note on the timeline."""
    try:
        desk = _desk(context)
        note = desk.note(_number(incident_id, desk, scope), body.by, body.text)
    except UnknownIncident as exc:
        return _not_found(exc)
    return wire.TimelineEntry.model_validate(out.entry(note))


@router.post("/incidents/{incident_id}/runbook-steps/{step}", response_model=wire.IncidentDetail,
             responses=_NOT_FOUND)
def check_step(context: ContextDep, scope: ScopeDep, incident_id: str, step: int, body: wire.StepBody
               ) -> wire.IncidentDetail | JSONResponse:
    """Check (or, with `checked: false`, uncheck) a step of the pinned runbook version."""
    desk = _desk(context)
    try:
        return _detail(desk, desk.check_step(_number(incident_id, desk, scope), step, body.by, body.checked))
    except UnknownIncident as exc:
        return _not_found(exc)


@router.patch("/incidents/{incident_id}/postmortem", response_model=wire.IncidentDetail, responses=_NOT_FOUND)
def edit_postmortem(context: ContextDep, scope: ScopeDep, incident_id: str, body: wire.PostmortemPatch
                    ) -> wire.IncidentDetail | JSONResponse:
    """Replace the post-mortem fields given (summary, root cause, trigger, resolution, action items, lessons)."""
    desk = _desk(context)
    changes: dict[str, Any] = {k: v for k, v in body.model_dump(exclude={"by"}).items() if v is not None}
    if "action_items" in changes:
        changes["action_items"] = tuple(ActionItem(**item) for item in changes["action_items"])
    try:
        return _detail(desk, desk.edit_postmortem(_number(incident_id, desk, scope), body.by, changes))
    except UnknownIncident as exc:
        return _not_found(exc)


@router.get("/incidents/{incident_id}/postmortem", response_class=Response, responses=_REPORT)
def get_postmortem(context: ContextDep, scope: ScopeDep, incident_id: str,
                   report_format: Annotated[str, Query(alias="format", description="md or html")] = "md") -> Response:
    """The post-mortem report: summary, impact, detection, timeline, the pinned runbook's text as it was,
    diagnostics, root cause, trigger, resolution, action items, lessons learned. An empty field is a prompt for its
    author. The same incident gives the same bytes; the HTML opens offline."""
    desk = _desk(context)
    if report_format not in FORMATS:
        raise BadInput(f"format: {report_format!r} is not one of {', '.join(FORMATS)}")
    now = desk.now()
    try:
        record = gather(desk, _number(incident_id, desk, scope), now, charts=report_format == "html")
    except UnknownIncident as exc:
        return _not_found(exc)
    return Response(render(record, report_format, now), media_type=MEDIA_TYPES[report_format])


@router.get("/action-items")
def open_action_items(context: ContextDep, scope: ScopeDep) -> wire.ActionItems:
    """Every post-mortem action item not done yet, with its incident, owner and due date; soonest due first."""
    desk = _desk(context)
    return out.action_items(_seen(desk.book.find(limit=ALL), scope), desk.now().date())

