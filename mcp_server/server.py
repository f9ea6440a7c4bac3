"""Builds the MCP server over one service connection and runs it over stdio or streamable HTTP.

Read-only unless `allow_writes`: the write tools are then not even listed, so an assistant cannot be talked into
calling them. Tools, resources and the prompt all go through `Connection`, so the service's keys and project scopes
apply exactly as they do to the dashboard and the CLI.
"""

from __future__ import annotations

from typing import Literal

from mcp.server.mcpserver import MCPServer

from mcp_server import library
from mcp_server.connection import Connection
from mcp_server.tools import alerts, fleet, incidents, releases, runbooks, spend, traces, writes

INSTRUCTIONS = """Spyglass observes production AI systems: LLM calls and their exact cost, traces, GPU fleets,
drift, alerts, incidents with their pinned runbooks, and release verdicts. Money is exact decimal text in USD: quote
it as given. Times accept look-backs (24h, 7d) or RFC 3339. Start with spend_summary for cost questions, firing_alerts
and list_incidents for operational ones; the prompt investigate_incident walks through an incident."""
READ_TOOLS = (spend, traces, releases, alerts, incidents, runbooks, fleet)
Transport = Literal["stdio", "http"]


def build_server(connection: Connection, allow_writes: bool = False) -> MCPServer:
    """The server with its read tools, resources and prompt; with `allow_writes` also the write tools."""
    server: MCPServer = MCPServer("spyglass", title="Spyglass", instructions=INSTRUCTIONS, log_level="WARNING")
    for subject in READ_TOOLS:
        subject.register(server, connection)
    if allow_writes:
        writes.register(server, connection)
    library.register(server, connection)
    return server


def serve(server: MCPServer, transport: Transport, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Run until stdin closes (stdio) or the process is stopped (HTTP: the endpoint is http://host:port/mcp)."""
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)
