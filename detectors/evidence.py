"""Evidence values as JSON takes them: money as exact decimal strings, instants as RFC 3339, ratios rounded."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal


def money(value: Decimal) -> str:
    """An exact decimal string without trailing zeros: Decimal('12.500000000000') -> '12.5'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def instant(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)
