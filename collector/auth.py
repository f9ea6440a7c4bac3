"""Ingest keys: who may send telemetry, and which project the key's data belongs to."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from store.errors import Unauthorized


class IngestKeys:
    """Bearer keys mapped to projects. With no keys configured, ingest is open."""

    def __init__(self, keys: Mapping[str, str] | None = None) -> None:
        self._keys = dict(keys or {})

    @property
    def keys(self) -> tuple[str, ...]:
        """The configured keys (the API recognises one sent where it does not apply)."""
        return tuple(self._keys)

    def project_for(self, authorization: str | None) -> str | None:
        """The project a request's `Authorization: Bearer <key>` selects (None when ingest is open)."""
        if not self._keys:
            return None
        scheme, _, key = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("missing ingest key: send 'Authorization: Bearer <key>'")
        key = key.strip()
        for known, project in self._keys.items():
            if hmac.compare_digest(known.encode(), key.encode()):
                return project
        raise Unauthorized("unknown ingest key")
