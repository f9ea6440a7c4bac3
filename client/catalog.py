"""The client's price catalog call: the entries the service prices with. `ApiClient` (client/api.py) mixes it in;
its endpoint table includes `CATALOG_ENDPOINTS`."""

from __future__ import annotations

from typing import Any

from client.endpoint import Endpoint
from client.models.catalog import PriceCatalog
from client.transport import Transport

CATALOG_ENTRIES = Endpoint("GET", "/api/v1/costs/catalog/entries", PriceCatalog)
CATALOG_ENDPOINTS: tuple[Endpoint[Any], ...] = (CATALOG_ENTRIES,)


class CatalogCalls(Transport):
    def price_catalog(self) -> PriceCatalog:
        """Every price entry in force for the key's projects, with the catalog version (prices per million tokens)."""
        return self._get(CATALOG_ENTRIES, [])
