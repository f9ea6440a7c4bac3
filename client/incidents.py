"""The client's incident calls: list, read, open, move, note, edit, check steps, post-mortem fields and report,
metrics and action items. `ApiClient` (client/api.py) mixes them in; its endpoint table includes `INCIDENT_ENDPOINTS`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from client.endpoint import Endpoint, Model
from client.models.incidents import (
    ActionItems,
    EditIncident,
    IncidentDetail,
    IncidentMetrics,
    Incidents,
    NoteBody,
    OpenIncident,
    PostmortemPatch,
    StepBody,
    TimelineEntry,
    TransitionBody,
)
from client.transport import Transport

INCIDENTS = Endpoint("GET", "/api/v1/incidents", Incidents)
OPEN_INCIDENT = Endpoint("POST", "/api/v1/incidents", IncidentDetail)
INCIDENT_METRICS = Endpoint("GET", "/api/v1/incidents/metrics", IncidentMetrics)
INCIDENT = Endpoint("GET", "/api/v1/incidents/{incident_id}", IncidentDetail)
EDIT_INCIDENT = Endpoint("PATCH", "/api/v1/incidents/{incident_id}", IncidentDetail)
MOVES = {action: Endpoint("POST", f"/api/v1/incidents/{{incident_id}}/{action}", IncidentDetail)
         for action in ("ack", "mitigate", "resolve", "close", "reopen")}
INCIDENT_NOTE = Endpoint("POST", "/api/v1/incidents/{incident_id}/notes", TimelineEntry)
RUNBOOK_STEP = Endpoint("POST", "/api/v1/incidents/{incident_id}/runbook-steps/{step}", IncidentDetail)
POSTMORTEM = Endpoint("PATCH", "/api/v1/incidents/{incident_id}/postmortem", IncidentDetail)
POSTMORTEM_FORMATS = ("md", "html")
POSTMORTEM_REPORT: Endpoint[BaseModel] = Endpoint("GET", "/api/v1/incidents/{incident_id}/postmortem", None)
ACTION_ITEMS = Endpoint("GET", "/api/v1/action-items", ActionItems)
INCIDENT_ENDPOINTS: tuple[Endpoint[Any], ...] = (
    INCIDENTS, OPEN_INCIDENT, INCIDENT_METRICS, INCIDENT, EDIT_INCIDENT, *MOVES.values(), INCIDENT_NOTE, RUNBOOK_STEP,
    POSTMORTEM, POSTMORTEM_REPORT, ACTION_ITEMS)


class IncidentCalls(Transport):
    def _send(self, endpoint: Endpoint[Model], body: BaseModel, path: Mapping[str, str]) -> Model:
        return self._parse(endpoint, self._request(endpoint, [], body.model_dump(mode="json", exclude_none=True),
                                                   path=path))

    def incidents(self, status: tuple[str, ...] = (), severity: tuple[str, ...] = (), service: str | None = None,
                  since: str | None = None, limit: int = 200) -> Incidents:
        """Incidents newest first, in any of the statuses and severities, of one service, detected since."""
        params = [*(("status", s) for s in status), *(("severity", s) for s in severity),
                  *([("service", service)] if service else []), *([("since", since)] if since else []),
                  ("limit", str(limit))]
        return self._get(INCIDENTS, params)

    def incident(self, incident_id: str) -> IncidentDetail:
        """One incident with its alerts, runbook steps, impact, timeline and post-mortem fields."""
        return self._get(INCIDENT, [], {"incident_id": incident_id})

    def open_incident(self, body: OpenIncident) -> IncidentDetail:
        return self._send(OPEN_INCIDENT, body, {})

    def edit_incident(self, incident_id: str, body: EditIncident) -> IncidentDetail:
        return self._send(EDIT_INCIDENT, body, {"incident_id": incident_id})

    def transition_incident(self, incident_id: str, action: str, by: str, note: str = "") -> IncidentDetail:
        """`action` is ack, mitigate, resolve, close or reopen; a move the lifecycle refuses is an ApiError 409."""
        if action not in MOVES:
            raise ValueError(f"action: one of {', '.join(MOVES)}")
        return self._send(MOVES[action], TransitionBody(by=by, note=note), {"incident_id": incident_id})

    def note_incident(self, incident_id: str, by: str, text: str) -> TimelineEntry:
        return self._send(INCIDENT_NOTE, NoteBody(by=by, text=text), {"incident_id": incident_id})

    def check_runbook_step(self, incident_id: str, step: int, by: str, checked: bool = True) -> IncidentDetail:
        return self._send(RUNBOOK_STEP, StepBody(by=by, checked=checked),
                          {"incident_id": incident_id, "step": str(step)})

    def edit_postmortem(self, incident_id: str, patch: PostmortemPatch) -> IncidentDetail:
        return self._send(POSTMORTEM, patch, {"incident_id": incident_id})

    def postmortem(self, incident_id: str, report_format: str = "md") -> str:
        """The post-mortem report as text: Markdown (`md`) or one self-contained HTML page (`html`)."""
        return self._request(POSTMORTEM_REPORT, [("format", report_format)], path={"incident_id": incident_id}).text

    def incident_metrics(self, since: str = "90d") -> IncidentMetrics:
        """Times to detect, acknowledge, mitigate, resolve per week; incidents and dollars lost per month."""
        return self._get(INCIDENT_METRICS, [("since", since)])

    def action_items(self) -> ActionItems:
        """Every post-mortem action item not done, soonest due first."""
        return self._get(ACTION_ITEMS, [])
