"""The client's storage call: GET /api/v1/storage. `ApiClient` (client/api.py) mixes it in; its endpoint table
includes `STORAGE_ENDPOINTS`."""

from __future__ import annotations

from typing import Any

from client.endpoint import Endpoint
from client.models.storage import Storage
from client.transport import Transport

STORAGE = Endpoint("GET", "/api/v1/storage", Storage)
STORAGE_ENDPOINTS: tuple[Endpoint[Any], ...] = (STORAGE,)


class StorageCalls(Transport):
    def storage(self) -> Storage:
        """Per table: rows, compressed and uncompressed bytes, oldest and newest data, and the retention in force."""
        return self._get(STORAGE, [])
