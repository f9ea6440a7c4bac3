"""Spend tools: the summary of a range against the range before it, and the breakdown by any dimensions."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from client.api import ApiClient, Query
from client.models.costs import CostBreakdown
from mcp_server.answers import PeriodSpend, SpendSummary
from mcp_server.arguments import (
    Environments,
    Features,
    Models,
    Projects,
    Providers,
    Services,
    Since,
    SpendDimension,
    Teams,
    Until,
    query,
)
from mcp_server.connection import Connection
from mcp_server.periods import change_ratio, previous_window
from mcp_server.tools import READ


def _period(api: ApiClient, asked: Query) -> PeriodSpend:
    answer = api.cost_breakdown(asked, "provider", limit=1)
    return PeriodSpend(since=answer.since, until=answer.until, totals=answer.totals, idle=answer.idle)


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def spend_summary(since: Since = "24h", until: Until = None, projects: Projects = (), services: Services = (),
                      models: Models = (), teams: Teams = (), features: Features = (), providers: Providers = (),
                      environments: Environments = ()) -> SpendSummary:
        """Total LLM spend (token cost plus allocated GPU cost) of a time range with its unit economics (calls,
        tokens, cost per request and per 1k tokens, unpriced calls), the same figures for the range of the same
        length just before it, and the change between them. Use it first for questions such as "why did spend
        double since yesterday?", then spend_breakdown on both ranges to find what moved. Money is exact decimal
        text in USD."""
        def ask(api: ApiClient) -> SpendSummary:
            asked = query(since, until, projects, services, models, environments, team=teams, feature=features,
                          provider=providers)
            current = _period(api, asked)
            before_since, before_until = previous_window(current.since, current.until)
            previous = _period(api, query(before_since, before_until, projects, services, models, environments,
                                          team=teams, feature=features, provider=providers))
            return SpendSummary(current=current, previous=previous,
                                change=current.totals.cost - previous.totals.cost,
                                change_ratio=change_ratio(current.totals.cost, previous.totals.cost))

        return spyglass.ask("spend summary", ask)

    @server.tool(annotations=READ)
    def spend_breakdown(by: Annotated[list[SpendDimension], Field(min_length=1, max_length=3, description=(
                            "One to three dimensions to group by, e.g. [\"model\"] or [\"team\", \"model\"]."))],
                        since: Since = "24h", until: Until = None, projects: Projects = (), services: Services = (),
                        models: Models = (), teams: Teams = (), features: Features = (), providers: Providers = (),
                        environments: Environments = (),
                        limit: Annotated[int, Field(ge=1, le=200, description="At most this many groups.")] = 20,
                        ) -> CostBreakdown:
        """LLM spend of a time range grouped by one to three dimensions (project, service, environment, team,
        feature, user, provider, model), costliest first, each group with its calls, tokens, unit economics and
        share of the total; plus the range's totals and the idle GPU cost apart. Money is exact decimal text in USD.
        """
        if len(set(by)) != len(by):
            raise ToolError(f"by: the dimensions must be distinct, not {', '.join(by)}")
        asked = query(since, until, projects, services, models, environments, team=teams, feature=features,
                      provider=providers)
        return spyglass.ask("spend breakdown", lambda api: api.cost_breakdown(asked, ",".join(by), limit=limit))
