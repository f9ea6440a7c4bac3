"""What the client's call mixins (client/incidents.py, client/releases.py, client/configuration.py,
client/catalog.py) use of `ApiClient` (client/api.py): its transport, declared for the type checker only, so each
mixin is checked on its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from client.endpoint import Endpoint, Model


class Transport:
    if TYPE_CHECKING:  # ApiClient's transport
        _admin: dict[str, str]  # the admin key's Authorization header ({} without an admin key)

        def _get(self, endpoint: Endpoint[Model], params: list[tuple[str, str]],
                 path: Mapping[str, str] | None = None) -> Model: ...

        def _parse(self, endpoint: Endpoint[Model], response: httpx.Response) -> Model: ...

        def _request(self, endpoint: Endpoint[Any], params: list[tuple[str, str]], body: Any = None,
                     timeout: httpx.Timeout | None = None, path: Mapping[str, str] | None = None,
                     headers: Mapping[str, str] | None = None) -> httpx.Response: ...
