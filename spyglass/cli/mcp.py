"""`spyglass mcp`: the Model Context Protocol server (mcp_server/) for coding agents and on-call assistants.

    spyglass mcp                                   # over stdio: what Claude Desktop / Claude Code launch
    spyglass mcp --http --port 8050                # over streamable HTTP at http://127.0.0.1:8050/mcp
    spyglass mcp --allow-writes --admin-key KEY    # also acknowledge incidents, add notes, create silences

It talks to a running service through the REST API with the keys it is given (--api-key for reads, --admin-key for
the write tools; defaults from SPYGLASS_API_KEY and SPYGLASS_ADMIN_KEY). A service that is down does not stop it
starting: each tool then answers that the service cannot be reached. Over stdio, stdout belongs to the protocol, so
everything this verb says goes to stderr.
"""

from __future__ import annotations

import argparse
import socket
import sys

from client.api import ApiClient
from mcp_server.connection import Connection
from mcp_server.server import build_server, serve
from spyglass.cli.remote import add_api_arguments
from store.errors import BadInput, SpyglassError

DEFAULT_PORT = 8050


def add_parser(verbs: argparse._SubParsersAction) -> None:
    mcp = verbs.add_parser("mcp", help="run an MCP server over the service for AI assistants (stdio or HTTP)")
    mcp.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    mcp.add_argument("--host", help="with --http: the address to listen on (default: 127.0.0.1)")
    mcp.add_argument("--port", type=int, help=f"with --http: the port (default: {DEFAULT_PORT}); the endpoint is /mcp")
    mcp.add_argument("--allow-writes", action="store_true",
                     help="add the tools that change state (acknowledge incident, add note, create silence); they "
                          "use the admin key")
    add_api_arguments(mcp, admin=True)


def run(args: argparse.Namespace) -> int:
    if not args.http and (args.host or args.port is not None):
        raise BadInput("--host and --port go with --http (without it the server speaks over stdio)")
    if args.port is not None and not 0 < args.port < 65536:
        raise BadInput(f"--port: {args.port} is not a port number")
    api = ApiClient(args.api_url, args.api_key, admin_key=args.admin_key)
    server = build_server(Connection(api), allow_writes=args.allow_writes)
    mode = "writes allowed" if args.allow_writes else "read-only"
    try:
        if args.http:
            host, port = args.host or "127.0.0.1", args.port or DEFAULT_PORT
            _check_free(host, port)
            print(f"Spyglass MCP server ({mode}) on http://{host}:{port}/mcp, over the API at {api.base_url}",
                  file=sys.stderr, flush=True)
            serve(server, "http", host, port)
        else:
            serve(server, "stdio")
    finally:
        api.close()
    return 0


def _check_free(host: str, port: int) -> None:
    """Refuse a taken port with one line before the HTTP server starts (its own failure is a log line and an exit
    code that says less)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise SpyglassError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
