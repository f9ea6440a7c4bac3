"""Who may call which route: one rule keyed by the route's method, applied by one application dependency.

- A read (GET) needs a read key when read keys are configured; an admin key reads too.
- A route that changes state (POST, PUT, PATCH, DELETE) needs an admin key as soon as any key is configured
  (read, ingest or admin): an API closed to strangers must not leave silences, replays and reprices to every
  key holder.
- Decided exceptions, the only list: `POST /api/v1/feedback` takes an ingest key (it is telemetry; its route
  checks the key and picks the project), `POST /api/v1/rules/backtest` is a POST only because its body is a
  rule file (it writes nothing and sends nothing) and takes a read key, `GET /api/v1/settings` takes an admin key
  (it describes the deployment: receivers' hosts, how many keys, the store), and the probes are open.
- No key configured at all: everything is open (zero configuration).

Read and admin keys may be scoped to projects: `check` returns the `Scope` of the key sent (scope.py), which the
dependency puts on the request for every route to filter by. A key of ours sent where no key is needed still
carries its scope (a scoped key reads its projects only, even from an open API).

Because the rule follows the method, a route a later issue adds is protected without a line here, and the
OpenAPI document says the same: `responses` gives each route its 401 and 403 from the same `access`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from spyglass.api.scope import EVERYTHING, Scope
from store.errors import Forbidden, Unauthorized

Access = Literal["open", "read", "admin", "ingest"]
Role = Literal["read", "admin", "ingest"]
READS = frozenset({"GET", "HEAD", "OPTIONS"})
EXCEPTIONS: Mapping[tuple[str, str], Access] = {
    ("GET", "/healthz"): "open",
    ("GET", "/readyz"): "open",
    ("POST", "/api/v1/feedback"): "ingest",
    ("POST", "/api/v1/rules/backtest"): "read",
    ("GET", "/api/v1/settings"): "admin",
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_ROLE_NAMES = {"read": "a read key", "ingest": "an ingest key"}


def access(method: str, path: str) -> Access:
    """What a route needs: its decided exception, else read for GET and admin for every method that changes state."""
    return EXCEPTIONS.get((method, path), "read" if method in READS else "admin")


def _bearer(authorization: str | None) -> str | None:
    scheme, _, key = (authorization or "").strip().partition(" ")
    return key.strip() or None if scheme.lower() == "bearer" else None


def _holds(keys: tuple[bytes, ...], key: bytes) -> bool:
    found = False
    for known in keys:  # no early exit: the time does not say which key matched
        found |= hmac.compare_digest(known, key)
    return found


def _matching(keys: Mapping[str, frozenset[str] | None], key: bytes) -> tuple[bool, Scope]:
    """Whether `key` is one of `keys`, and its scope (compared with every key: the time does not say which)."""
    found, scope = False, EVERYTHING
    for known, projects in keys.items():
        if hmac.compare_digest(known.encode(), key):
            found, scope = True, Scope(projects)
    return found, scope


@dataclass(frozen=True)
class Keys:
    """The service's configured keys, by role, read and admin keys with their projects (None: every project);
    ingest keys only to recognise one sent to the wrong route."""

    read: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    admin: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    ingest: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.read or self.admin or self.ingest)

    def holder(self, authorization: str | None) -> tuple[Role, Scope] | None:
        """The role and scope of the bearer key sent; None when none was sent or it is no key of ours."""
        key = _bearer(authorization)
        if key is None:
            return None
        for role, keys in (("admin", self.admin), ("read", self.read)):
            found, scope = _matching(keys, key.encode())
            if found:
                return role, scope  # type: ignore[return-value]  # the loop's literals are Roles
        if _holds(tuple(k.encode() for k in self.ingest), key.encode()):
            return "ingest", EVERYTHING
        return None

    def role(self, authorization: str | None) -> Role | None:
        """The role of the bearer key sent; None when none was sent or it is no key of ours."""
        held = self.holder(authorization)
        return held[0] if held else None


def check(keys: Keys, method: str, path: str, authorization: str | None) -> Scope:
    """The scope of the request's key when it may call, or raise Unauthorized (no key, or not ours: 401) or
    Forbidden (ours, not enough: 403)."""
    need = access(method, path)
    held = keys.holder(authorization)
    role, scope = held if held else (None, EVERYTHING)
    if need in ("open", "ingest"):  # the feedback route checks its ingest key itself
        return scope
    if (need == "read" and not keys.read) or (need == "admin" and not keys.configured):
        return scope
    if role == "admin" or (need == "read" and role == "read"):
        return scope
    if need == "read":
        if role is not None:
            raise Forbidden(f"{_ROLE_NAMES[role]} cannot read the API: send a read key")
        raise Unauthorized("a valid read key is required: send 'Authorization: Bearer <key>'")
    does = "shows the service's configuration" if method in READS else "changes state"
    route = f"{method} {path} {does} and needs an admin key"
    if role is not None:
        raise Forbidden(f"{_ROLE_NAMES[role]} cannot {'read it' if method in READS else 'change state'}: {route}")
    none = "" if keys.admin else " (this service has none: add one to admin_keys)"
    sent = "the key sent is not one of this service's keys: " if _bearer(authorization) else ""
    raise Unauthorized(f"{sent}{route}: send 'Authorization: Bearer <admin key>'{none}")


def dependency(keys: Keys) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """The application dependency that applies `check` to the matched route (async: no thread hop)."""
    async def authorize(request: Request) -> None:
        route = request.scope.get("route")
        if isinstance(route, APIRoute):
            request.state.scope = check(keys, request.method, route.path, request.headers.get("authorization"))

    return authorize


def responses(need: Access) -> dict[int | str, dict[str, Any]]:
    """The 401 and 403 answers a route with that need can give, for the OpenAPI document."""
    if need == "open":
        return {}
    if need == "ingest":
        return {401: {"description": "An ingest key is required (when ingest keys are configured), or the one "
                                     "sent is unknown", "content": _ERROR}}
    if need == "read":
        return {401: {"description": "A read key (or an admin key) is required when read keys are configured, or "
                                     "the one sent is unknown", "content": _ERROR},
                403: {"description": "The key sent is an ingest key: it cannot read", "content": _ERROR}}
    return {401: {"description": "An admin key is required when any key is configured, or the one sent is "
                                 "unknown", "content": _ERROR},
            403: {"description": "The key sent is a read or ingest key: changing state (or reading the service's "
                                 "configuration) needs an admin key",
                  "content": _ERROR}}


def document(app: FastAPI) -> None:
    """Make `app`'s OpenAPI document give every operation the 401 and 403 answers its access allows."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # the first request: generate (FastAPI keeps it), then complete it once
            for path, operations in generate()["paths"].items():
                for method, operation in operations.items():
                    answers = responses(access(method.upper(), path))
                    operation.setdefault("responses", {}).update({str(code): body for code, body in answers.items()})
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the document
