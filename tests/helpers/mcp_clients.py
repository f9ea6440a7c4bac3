"""The MCP SDK's own client driving `spyglass mcp` from synchronous tests: over stdio (the server a child of the
client, as Claude Desktop runs it) or over streamable HTTP (the server a process of ours on a free port).

`McpSession` keeps one client connection open on a blocking portal (an event loop on its own thread), so a module
can share one connection across its tests and each call is one line.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, GetPromptResult

from tests.helpers.service_process import free_port
from tests.helpers.wait import eventually


def mcp_args(api_url: str, api_key: str | None = None, admin_key: str | None = None,
             allow_writes: bool = False) -> list[str]:
    """`spyglass mcp`'s arguments for a service (the keys as flags, so the environment cannot stand in for them)."""
    return ["--api-url", api_url, *(["--api-key", api_key] if api_key else []),
            *(["--admin-key", admin_key] if admin_key else []), *(["--allow-writes"] if allow_writes else [])]


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SPYGLASS_")}


def stdio_server(args: list[str]) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "spyglass.cli", "mcp", *args],
                                 env=_environment())


class HttpServer:
    """`spyglass mcp --http` as a child process on a free port; `url` is its MCP endpoint."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "spyglass.cli", "mcp", "--http", "--port",
                                             str(self.port), *args], stdout=out, stderr=subprocess.STDOUT,
                                            env=_environment())
        eventually(self._listening, timeout=60, what=f"spyglass mcp --http on port {self.port}")
        self.url = f"http://127.0.0.1:{self.port}/mcp"

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"spyglass mcp exited {self.process.returncode}: {self.log.read_text()}")
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class McpSession:
    """One MCP client connection, opened on enter and closed on exit."""

    def __init__(self, server: str | StdioServerParameters) -> None:
        self.server = server

    def __enter__(self) -> McpSession:
        self._portal_context = start_blocking_portal()
        self.portal: BlockingPortal = self._portal_context.__enter__()
        try:
            self._client_context = self.portal.wrap_async_context_manager(Client(self.server))
            self.client: Client = self._client_context.__enter__()
        except BaseException:
            self._portal_context.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._client_context.__exit__(kind, error, tb)
        finally:
            self._portal_context.__exit__(kind, error, tb)

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        return self.portal.call(self.client.call_tool, tool, arguments or {})

    def tools(self) -> dict[str, Any]:
        return {t.name: t for t in self.portal.call(self.client.list_tools).tools}

    def resources(self) -> list[str]:
        return [str(r.uri) for r in self.portal.call(self.client.list_resources).resources]

    def templates(self) -> list[str]:
        return [t.uri_template for t in self.portal.call(self.client.list_resource_templates).resource_templates]

    def read(self, uri: str) -> str:
        contents = self.portal.call(self.client.read_resource, uri).contents
        return "".join(getattr(c, "text", "") for c in contents)

    def prompt(self, name: str, arguments: dict[str, str]) -> GetPromptResult:
        return self.portal.call(self.client.get_prompt, name, arguments)

    def prompts(self) -> list[str]:
        return [p.name for p in self.portal.call(self.client.list_prompts).prompts]
