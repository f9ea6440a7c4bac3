"""Incident tools: the list, one incident with everything known about it, and its post-mortem as Markdown."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from client.models.incidents import IncidentDetail, Incidents, Severity, Status
from mcp_server.arguments import IncidentId
from mcp_server.connection import Connection
from mcp_server.tools import READ


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def list_incidents(status: Annotated[tuple[Status, ...], Field(description=(
                           "Only incidents in these statuses (default: all); open ones are triggered, acknowledged "
                           "or mitigated."))] = (),
                       severity: Annotated[tuple[Severity, ...], Field(description="Only these severities.")] = (),
                       service: Annotated[str | None, Field(description="Only this service's incidents.")] = None,
                       since: Annotated[str | None, Field(description=(
                           "Only incidents detected since: a look-back such as 7d or an RFC 3339 time."))] = None,
                       limit: Annotated[int, Field(ge=1, le=500)] = 50) -> Incidents:
        """Incidents newest first: id (INC-n), title, severity (SEV1 worst), status, service, commander, when it
        started, was detected, acknowledged, mitigated, resolved, the runbook version pinned to it and its measured
        extra cost in USD. Pass an id to incident_detail for the timeline and impact."""
        return spyglass.ask("incident list", lambda api: api.incidents(status, severity, service, since, limit))

    @server.tool(annotations=READ)
    def incident_detail(incident_id: IncidentId) -> IncidentDetail:
        """One incident with everything known about it: its alerts and labels, the pinned runbook's steps and which
        are checked, the impact (requests, errors, latency, cost and quality against the same window a week
        earlier, extra cost in USD, error budget burned), the timeline (alerts, moves, notes, diagnostics, changes
        shortly before it, suspects first) and the post-mortem fields."""
        return spyglass.ask(f"incident {incident_id}", lambda api: api.incident(incident_id))

    @server.tool(annotations=READ, structured_output=False)  # Markdown, read as text
    def incident_postmortem(incident_id: IncidentId) -> str:
        """The post-mortem report of one incident as Markdown: summary, impact with exact dollars, timeline, root
        cause, trigger, resolution, runbook steps followed, action items. Works for an open incident too (a
        draft)."""
        return spyglass.ask(f"post-mortem of {incident_id}", lambda api: api.postmortem(incident_id, "md"))
