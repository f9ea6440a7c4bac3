"""What an assistant reads rather than calls: the runbook library and the price catalog as resources, and the prompt
"investigate this incident" that walks it through the tools in the order an on-call engineer would.

Resources are JSON as the API sends it (money as decimal text); a runbook is its Markdown, byte for byte.
"""

from __future__ import annotations

import re

from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS

from mcp_server.connection import Connection

INCIDENT_ID = re.compile(r"INC-[0-9]+")
INVESTIGATION = """Investigate incident {id} ({severity}, {status}): "{title}".
Service: {service}. Started {started_at}; detected {detected_at}. Runbook: {runbook}.

Work through it as the on-call engineer would, with the Spyglass tools, and cite the numbers they return:
1. incident_detail {id}: the alerts, the impact against the week before, the timeline and any change shortly
   before it (suspects first).
2. runbook with incident_id={id}: the pinned version's steps; follow them in order and say which ones the data
   already answers.
3. spend_summary and spend_breakdown over the incident's window (by model, service or feature) to see what moved;
   top_costly_traces then trace_spans for the costliest requests.
4. If a deploy, prompt or model change is among the suspects, compare_versions for it.
5. firing_alerts for what is still firing; gpu_waste or drift_status if the alerts point there.
Finish with the likely cause, the evidence for it, what to do next, and what to write in the post-mortem
(incident_postmortem shows the current draft). Money is exact: quote it as the tools give it."""


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.resource("spyglass://runbooks", name="runbooks", mime_type="application/json")
    def runbook_library() -> str:
        """The runbooks in force: id, title, version, severity, owners, the alerts each applies to, its steps and
        diagnostics count; `error` says why an edited runbook file was not loaded."""
        return spyglass.read("runbook library", lambda api: api.runbooks()).model_dump_json()

    @server.resource("spyglass://runbooks/{runbook_id}", name="runbook", mime_type="text/markdown")
    def runbook_text(runbook_id: str) -> str:
        """One runbook's text in force, Markdown with its front matter, exactly as recorded."""
        return spyglass.read(f"runbook {runbook_id}", lambda api: api.runbook(runbook_id)).text

    @server.resource("spyglass://prices", name="price-catalog", mime_type="application/json")
    def price_catalog() -> str:
        """The price catalog in use: its version and every entry (provider, models or pattern, effective dates,
        exact prices per million tokens for input, output, cache and reasoning tokens, tiers, source)."""
        return spyglass.read("price catalog", lambda api: api.price_catalog()).model_dump_json()

    @server.prompt(name="investigate_incident", title="Investigate this incident")
    def investigate_incident(incident_id: str) -> str:
        """Investigate an incident step by step with the Spyglass tools: impact, pinned runbook, spend, traces,
        suspect changes, and a likely cause with its evidence."""
        if not INCIDENT_ID.fullmatch(incident_id.strip()):
            raise MCPError(INVALID_PARAMS, f"incident_id: {incident_id!r} is not an incident id such as INC-12")
        found = spyglass.read(f"incident {incident_id}", lambda api: api.incident(incident_id.strip()))
        pin = f"{found.runbook.id} {found.runbook.version}" if found.runbook else "none pinned"
        return INVESTIGATION.format(id=found.id, severity=found.severity, status=found.status, title=found.title,
                                    service=found.service or "(none)", started_at=found.started_at,
                                    detected_at=found.detected_at, runbook=pin)
