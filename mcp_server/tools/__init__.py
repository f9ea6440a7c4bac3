"""The server's tools, one module per subject; each module's `register(server, connection)` adds its tools.

`READ` marks a tool that changes nothing (clients may run it without asking); `WRITE` one that changes the service's
state but destroys nothing (`--allow-writes` only).
"""

from __future__ import annotations

from mcp.types import ToolAnnotations

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
