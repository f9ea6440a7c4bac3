"""The tools that change the service's state, added only with `--allow-writes`: acknowledge an incident, add a note
to its timeline, silence alerts. Each goes through the API with the admin key, so the service's own access rule and
project scope decide, and each records who acted (`by`): the person the assistant acts for.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from client.models.alerts import SilenceInfo, SilenceRequest
from client.models.incidents import IncidentDetail, TimelineEntry
from mcp_server.arguments import IncidentId
from mcp_server.connection import Connection
from mcp_server.tools import WRITE

By = Annotated[str, Field(min_length=1, max_length=200, description=(
    "Who is acting: the person the assistant acts for (recorded in the timeline)."))]


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=WRITE)
    def acknowledge_incident(incident_id: IncidentId, by: By,
                             note: Annotated[str, Field(max_length=10_000, description=(
                                 "Optional words for the timeline."))] = "") -> IncidentDetail:
        """Acknowledge a triggered incident: someone is on it (stops escalation; sets acknowledged_at). Refused for
        an incident that is not triggered. Returns the incident as it is now."""
        return spyglass.ask(f"acknowledge {incident_id}",
                            lambda api: api.transition_incident(incident_id, "ack", by, note))

    @server.tool(annotations=WRITE)
    def add_incident_note(incident_id: IncidentId, by: By,
                          text: Annotated[str, Field(min_length=1, max_length=10_000, description=(
                              "The note, Markdown allowed: a finding, a hypothesis, what was tried."))]
                          ) -> TimelineEntry:
        """Add a note to an incident's timeline (it appears in the post-mortem). Returns the timeline entry."""
        return spyglass.ask(f"note on {incident_id}", lambda api: api.note_incident(incident_id, by, text))

    @server.tool(annotations=WRITE)
    def create_silence(matchers: Annotated[list[str], Field(min_length=1, description=(
                           'Label matchers in Alertmanager syntax, all of which an alert must match, e.g. '
                           '["alertname=\\"chat-volume\\"", "service=~\\"chat-.*\\""].'))],
                       comment: Annotated[str, Field(min_length=1, description="Why the alerts are silenced.")],
                       created_by: By,
                       duration: Annotated[str | None, Field(description=(
                           "How long from now: 30m, 2h, 1d (default 1h when ends_at is not given)."))] = None,
                       ends_at: Annotated[str | None, Field(description="Or the end as an RFC 3339 time.")] = None,
                       ) -> SilenceInfo:
        """Silence the alerts that match: they keep being evaluated but send no notification until the silence
        ends. Returns the silence with its id and state."""
        request = SilenceRequest(matchers=matchers, created_by=created_by, comment=comment, ends_at=ends_at,
                                 duration=duration if duration or ends_at else "1h")
        return spyglass.ask("silence", lambda api: api.add_silence(request))
