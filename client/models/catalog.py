"""The price catalog's entries as the service prices with them (GET /api/v1/costs/catalog/entries).

Prices are per million tokens (`request_fee` per request), exact decimals as text like every amount of money.
"""

from __future__ import annotations

from typing import Literal

from client.models.wire import Money, Timestamp, Wire


class PriceTier(Wire):
    """Prices that replace the entry's when the prompt has more than `above_input_tokens` (None: the entry's)."""

    above_input_tokens: int
    input: Money | None
    output: Money | None
    cache_read: Money | None
    cache_write: Money | None
    reasoning: Money | None


class CatalogEntry(Wire):
    """One price line: which models (exact names and/or a regex), when, at what price, and where it came from."""

    id: str
    provider: str
    models: list[str]
    pattern: str | None
    effective_from: Timestamp
    effective_to: Timestamp | None  # None: still in force
    input: Money
    output: Money
    cache_read: Money | None  # None: cached tokens are billed as input
    cache_write: Money | None
    reasoning: Money | None  # None: billed as output
    request_fee: Money | None
    tiers: list[PriceTier]
    currency: str
    source: str | None
    checked: str | None  # the date the price was checked against its source
    note: str | None
    project: str | None  # a user entry scoped to a project and/or team
    team: str | None
    origin: Literal["shipped", "user"]


class PriceCatalog(Wire):
    """GET /api/v1/costs/catalog/entries: the catalog version in use and its entries (those of other projects left
    out for a key scoped to projects)."""

    version: str
    unit: str  # what the token prices are per
    entries: list[CatalogEntry]
