"""Alert tools: the alerts firing now."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from client.models.alerts import Alerts
from mcp_server.connection import Connection
from mcp_server.tools import READ

Severity = Annotated[tuple[str, ...], Field(description="Only these severities: critical, warning, info.")]


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def firing_alerts(include_pending: Annotated[bool, Field(description=(
                          "Also alerts whose condition holds but has not lasted long enough to fire."))] = False,
                      severities: Severity = (),
                      rules: Annotated[tuple[str, ...], Field(description="Only these alert rules.")] = (),
                      ) -> Alerts:
        """The alerts firing now, each with its rule, severity, labels (service, model, project, ...), summary,
        value against threshold, evidence (e.g. trace ids), runbook, since when it fires and the silences or
        alerts that mute it. Pass an alert's rule or fingerprint to the runbook tool for what to do."""
        status = ("firing", "pending") if include_pending else ("firing",)
        return spyglass.ask("firing alerts", lambda api: api.alerts(status, rules, severities))
