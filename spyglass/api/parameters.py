"""A query parameter the API does not apply is an error, not a silently wider answer.

`summary?team=search` used to return the unfiltered totals and `llm-calls?modle=gpt-4o` every
model: FastAPI ignores query keys a route does not declare. `refuse_unknown` is one dependency
of the whole application: it compares the request's query keys with the query parameters the
matched route declares (its own and those of its dependencies, read from FastAPI's route
definition, so the list can never drift from what the route applies) and answers 400 naming
the unknown keys, a close match, and every parameter the route accepts.
"""

from __future__ import annotations

import difflib

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from store.errors import BadInput


def _query_names(dependant: Dependant) -> list[str]:
    """Query parameter names of a dependant: its dependencies' first (shared filters), then its own."""
    names = [name for sub in dependant.dependencies for name in _query_names(sub)]
    return names + [param.alias for param in dependant.query_params]


def accepted(route: APIRoute) -> tuple[str, ...]:
    """The query parameters `route` declares, in declaration order, each once."""
    return tuple(dict.fromkeys(_query_names(route.dependant)))


def unknown_message(method: str, path: str, unknown: list[str], names: tuple[str, ...]) -> str:
    """The 400's text: what was not understood, a likely intended name, and what the route accepts."""
    keys = ", ".join(f"'{key}'" for key in unknown)
    text = f"unknown parameter{'s' if len(unknown) > 1 else ''} {keys}"
    hints = {key: match[0] for key in unknown if (match := difflib.get_close_matches(key, names, n=1, cutoff=0.6))}
    if len(unknown) == 1 and hints:
        text += f" (did you mean '{hints[unknown[0]]}'?)"
    elif hints:
        text += f" (did you mean {', '.join(f'{v!r} for {k!r}' for k, v in hints.items())}?)"
    accepts = f"accepts: {', '.join(names)}" if names else "accepts no parameters"
    return f"{text}; {method} {path} {accepts}"


async def refuse_unknown(request: Request) -> None:
    """400 when the query string has a key the matched route does not declare (async: no thread hop)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    names = accepted(route)
    unknown = [key for key in dict.fromkeys(request.query_params.keys()) if key not in names]
    if unknown:
        raise BadInput(unknown_message(request.method, route.path, unknown, names))
