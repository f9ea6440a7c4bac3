"""Fleet tools: the GPUs (utilisation, memory, power), the GPUs left idle, and whether model inputs and outputs
drifted."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from client.models.drift import DriftResults
from client.models.gpu import GpuFleet, GpuWaste
from mcp_server.arguments import Models, Projects, Services, Since, Until, query
from mcp_server.connection import Connection
from mcp_server.tools import READ


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def gpu_fleet(since: Since = "6h", until: Until = None, projects: Projects = ()) -> GpuFleet:
        """Every GPU that reported in the time range: host, model, source, last seen, mean and p95 utilisation
        (0-1), memory used and headroom, mean power. A GPU whose last_seen is old has stopped reporting."""
        return spyglass.ask("GPU fleet", lambda api: api.gpu_fleet(query(since, until, projects)))

    @server.tool(annotations=READ)
    def gpu_waste(since: Since = "24h", until: Until = None, projects: Projects = ()) -> GpuWaste:
        """GPUs that sat idle for long stretches in the time range (idle longest first, each stretch with its start,
        end and mean utilisation), with the utilisation threshold and minimum stretch the service applied. Idle
        GPU time is paid for and serves no call."""
        return spyglass.ask("GPU waste", lambda api: api.gpu_waste(query(since, until, projects)))

    @server.tool(annotations=READ)
    def drift_status(since: Since = "7d", until: Until = None, projects: Projects = (), services: Services = (),
                     models: Models = (),
                     latest: Annotated[bool, Field(description=(
                         "Only the newest comparison of each group (service, model, ...); false: every one in the "
                         "range."))] = True,
                     limit: Annotated[int, Field(ge=1, le=1000, description="At most this many comparisons.")] = 50,
                     ) -> DriftResults:
        """Drift of model inputs and outputs (prompt and completion lengths, latency, tokens, ...): each comparison
        of a group's current window with its reference window, newest first, with per feature the statistical test,
        score, threshold and whether it drifted."""
        asked = query(since, until, projects, services, models)
        return spyglass.ask("drift status", lambda api: api.drift(asked, latest=latest, limit=limit))
