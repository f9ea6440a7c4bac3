"""Trace tools: the costliest traces of a range, and one trace's spans with the cost of each LLM call."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from client.models.traces import TraceDetail, Traces
from mcp_server.arguments import Models, Projects, Services, Since, TraceId, Until, query
from mcp_server.connection import Connection
from mcp_server.tools import READ


def register(server: MCPServer, spyglass: Connection) -> None:
    @server.tool(annotations=READ)
    def top_costly_traces(since: Since = "24h", until: Until = None, projects: Projects = (),
                          services: Services = (), models: Models = (),
                          errors_only: Annotated[bool, Field(description="Only traces with a failed call.")] = False,
                          limit: Annotated[int, Field(ge=1, le=100, description="At most this many traces.")] = 10,
                          ) -> Traces:
        """The most expensive traces (requests) of a time range, costliest first: root span, service, start,
        duration, LLM calls, tokens, exact cost (token plus GPU) and unpriced calls. Pass a row's trace_id to
        trace_spans to see where the money went inside it."""
        conditions = {"status": "error"} if errors_only else {}
        asked = query(since, until, projects, services, models)
        return spyglass.ask("top costly traces", lambda api: api.traces(asked, sort="cost", limit=limit,
                                                                        **conditions))

    @server.tool(annotations=READ)
    def trace_spans(trace_id: TraceId) -> TraceDetail:
        """Every span of one trace in waterfall order (depth, service, timing, status, attributes), each LLM call
        with its provider, model, tokens and cost (what priced it: catalog entry, accounting rule, GPU host), and
        the trace's totals."""
        return spyglass.ask(f"trace {trace_id}", lambda api: api.trace(trace_id.lower()))
