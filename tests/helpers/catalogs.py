"""Small hand-made catalogs whose numbers the tests compute by hand."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pipelines.costs.catalog import Catalog, parse_catalog


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def catalog(*entries: dict[str, Any], rules: dict[str, Any] | None = None, origin: str = "user") -> Catalog:
    """A catalog from plain dicts; user origin so tests need no source/checked."""
    return parse_catalog({"entries": list(entries), "rules": rules or {}}, origin=origin)  # type: ignore[arg-type]
