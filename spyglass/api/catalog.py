"""The price catalog's entries (GET /api/v1/costs/catalog/entries): what an assistant or a person reads to explain a
cost, beside GET /api/v1/costs/catalog (which says only the version, the entry count and the files).

A user entry scoped to a project is a negotiated rate: a key scoped to other projects does not see it.
"""

from __future__ import annotations

from fastapi import APIRouter

from client.models.catalog import CatalogEntry, PriceCatalog, PriceTier
from pipelines.costs.catalog import PriceEntry
from spyglass.api.context import ContextDep
from spyglass.api.costs import catalog_source
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import rfc3339

router = APIRouter(prefix="/api/v1")
UNIT = "USD per million tokens (request_fee per request); currency as each entry says"


def entry_wire(entry: PriceEntry) -> CatalogEntry:
    """One catalog entry as the API sends it (times in RFC 3339, prices exact)."""
    prices = ("input", "output", "cache_read", "cache_write", "reasoning")
    return CatalogEntry.model_validate({
        **entry.model_dump(include={"id", "provider", "pattern", "request_fee", "currency", "source", "note",
                                    "origin", *prices}),
        "models": list(entry.models), "effective_from": rfc3339(entry.effective_from),
        "effective_to": rfc3339(entry.effective_to) if entry.effective_to else None,
        "checked": entry.checked.isoformat() if entry.checked else None,
        "project": entry.scope.project, "team": entry.scope.team,
        "tiers": [PriceTier.model_validate(tier.model_dump()) for tier in entry.tiers]})


def visible(entry: PriceEntry, scope: Scope) -> bool:
    """An entry for every project is seen by every key; one scoped to a project only by a key of that project."""
    return entry.scope.project is None or scope.allows(entry.scope.project)


@router.get("/costs/catalog/entries")
def catalog_entries(context: ContextDep, scope: ScopeDep) -> PriceCatalog:
    """Every price entry of the catalog in use (shipped and user), as the pricing job matches them."""
    source = catalog_source(context)
    catalog = source.current()
    return PriceCatalog(version=source.status().version, unit=UNIT,
                        entries=[entry_wire(e) for e in catalog.entries if visible(e, scope)])
