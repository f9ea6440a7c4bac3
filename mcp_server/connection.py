"""The server's one way to the service: an `ApiClient`, and the API's refusals as tool errors.

A model reads the text of a tool error and decides what to do next, so the text says what failed and what would
help (the service is down, an admin key is missing, the API's own reason for a 400 or 404), and never carries a
traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS

from client.api import ApiClient, ApiError, ApiUnreachable

T = TypeVar("T")


@dataclass(frozen=True)
class Connection:
    """The API client the tools share (httpx's pool is safe across the worker threads tools run on)."""

    api: ApiClient

    def ask(self, what: str, request: Callable[[ApiClient], T]) -> T:
        """`request` against the service; a failure is a ToolError whose text says `what` failed and why."""
        try:
            return request(self.api)
        except ApiError as exc:
            raise ToolError(self.problem(what, exc)) from exc
        except ValueError as exc:  # the client refused an argument before sending it
            raise ToolError(f"{what}: {exc}") from exc

    def read(self, what: str, request: Callable[[ApiClient], T]) -> T:
        """As `ask`, for a resource or a prompt, which answer failures as protocol errors: the error carries the
        text (the SDK would replace any other exception's text by a generic one)."""
        try:
            return request(self.api)
        except ApiError as exc:
            code = INVALID_PARAMS if exc.status in (400, 404) else INTERNAL_ERROR
            raise MCPError(code, self.problem(what, exc)) from exc

    def problem(self, what: str, error: ApiError) -> str:
        if isinstance(error, ApiUnreachable):
            return f"{what}: {error.message}; is `spyglass up` running there?"
        hint = ""
        if error.status in (401, 403) and "admin key" in error.message:
            hint = "; start `spyglass mcp` with --admin-key (or SPYGLASS_ADMIN_KEY) to change state"
        elif error.status == 401:
            hint = "; start `spyglass mcp` with --api-key (or SPYGLASS_API_KEY) set to a read key of the service"
        return f"{what} failed ({error.status}): {error.message}{hint}"
