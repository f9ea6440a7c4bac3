"""The runbook tool: a runbook by id, the one an alert names, or the version pinned to an incident.

An incident follows the runbook version it opened with even after the library changes, so "the runbook for
INC-12" is that pinned version, not the one in force now.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from client.api import ApiClient
from client.models.runbooks import RunbookDocument
from mcp_server.arguments import IncidentId
from mcp_server.connection import Connection
from mcp_server.tools import READ


def split_reference(reference: str) -> tuple[str, str | None]:
    """A rule's runbook reference, `id` or `id@version`, as (id, version or None)."""
    runbook_id, _, version = reference.partition("@")
    return runbook_id, version or None


def _for_alert(api: ApiClient, alert: str) -> RunbookDocument:
    """The runbook of the alert instance with this rule name or fingerprint, else of the rule of that name."""
    references = {a.runbook for a in api.alerts().alerts if alert in (a.rule, a.fingerprint)}
    if not references:
        references = {r.runbook or "" for r in api.rules().rules if r.name == alert}
        if not references:
            raise ToolError(f"runbook: no alert or alert rule is named {alert!r} (firing_alerts lists them)")
    named = sorted(r for r in references if r)
    if not named:
        raise ToolError(f"runbook: the alert {alert!r} names no runbook")
    return api.runbook(*split_reference(named[0]))


def _for_incident(api: ApiClient, incident_id: str) -> RunbookDocument:
    pin = api.incident(incident_id).runbook
    if pin is None:
        raise ToolError(f"runbook: {incident_id} has no runbook pinned to it")
    return api.runbook(pin.id, pin.version)


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def runbook(runbook_id: Annotated[str | None, Field(min_length=1, description=(
                    "A runbook id such as cost-spike."))] = None,
                alert: Annotated[str | None, Field(min_length=1, description=(
                    "An alert's rule name or fingerprint: the runbook that alert names."))] = None,
                incident_id: Annotated[IncidentId | None, Field(description=(
                    "An incident: the runbook version pinned to it when it opened."))] = None,
                version: Annotated[str | None, Field(description=(
                    "With runbook_id only: a recorded version such as 1.2.0 (default: the one in force)."))] = None,
                ) -> RunbookDocument:
        """What to do: a runbook's exact text (Markdown), numbered checklist steps, owners, the alerts it applies
        to and the diagnostic queries it runs. Give exactly one of runbook_id, alert or incident_id."""
        given = [name for name, value in (("runbook_id", runbook_id), ("alert", alert), ("incident_id", incident_id))
                 if value is not None]
        if len(given) != 1:
            raise ToolError("runbook: give exactly one of runbook_id, alert or incident_id"
                            + (f" (got {', '.join(given)})" if given else ""))
        if version is not None and runbook_id is None:
            raise ToolError("runbook: version goes with runbook_id (an incident's runbook is the version pinned to it)")

        def ask(api: ApiClient) -> RunbookDocument:
            if incident_id is not None:
                return _for_incident(api, incident_id)
            if alert is not None:
                return _for_alert(api, alert)
            assert runbook_id is not None
            return api.runbook(runbook_id, version)

        return spyglass.ask("runbook", ask)
