"""Spend of a range against the range just before it: the arithmetic behind "why did spend double since yesterday?".

Pure: the API resolves the range once (its answer's `since`/`until`), and the previous range is computed from those,
so both windows have exactly the same length and touch without a gap or an overlap.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

RATIO = Decimal("0.0001")


def _parse(text: str) -> datetime:
    """An RFC 3339 time as the API writes it (microseconds at most; `Z` for UTC)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _format(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def previous_window(since: str, until: str) -> tuple[str, str]:
    """The range of the same length that ends where [since, until) starts."""
    start, end = _parse(since), _parse(until)
    if end < start:
        raise ValueError(f"the range ends ({until}) before it starts ({since})")
    return _format(start - (end - start)), _format(start)


def change_ratio(current: Decimal, previous: Decimal) -> Decimal | None:
    """(current - previous) / previous to four places; None when there was no previous spend to compare with."""
    if previous == 0:
        return None
    return ((current - previous) / previous).quantize(RATIO)
