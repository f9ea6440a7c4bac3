"""The releases tool: one version judged against another (the verdict a canary or a deploy gate reads)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from client.models.compare import CompareBy, Comparison
from client.releases import CompareQuery
from mcp_server.arguments import Models, Projects, Services, Since, Until
from mcp_server.connection import Connection
from mcp_server.tools import READ

Version = Annotated[str, Field(min_length=1)]
Optional = Annotated[str | None, Field(description="Default: the candidate's range.")]


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def compare_versions(by: Annotated[CompareBy, Field(description="What differs between the two versions.")],
                         baseline: Annotated[Version, Field(description="The version to compare against.")],
                         candidate: Annotated[Version, Field(description="The new version.")],
                         since: Since = "24h", until: Until = None,
                         baseline_since: Optional = None, baseline_until: Optional = None,
                         projects: Projects = (), services: Services = (), models: Models = ()) -> Comparison:
        """Judge a candidate version against a baseline (a service version, a prompt version, a model or a
        provider) on error rate, latency, cost per call, quality and feedback: per metric both values, the
        difference with its 95 % interval, p-values and an outcome (better, no_significant_change, worse,
        insufficient_data); overall a score and a verdict (pass, marginal, fail, insufficient_data)."""
        asked = CompareQuery(by, baseline, candidate, since, until, baseline_since, baseline_until,
                             tuple(projects), tuple(services), tuple(models))
        return spyglass.ask(f"compare {baseline} with {candidate}", lambda api: api.compare(asked))
