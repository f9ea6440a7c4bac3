"""Numbers as a post-mortem writes them: every one with its unit (requests, %, percentage points, ms, $, time).

Money is exact: the Decimal as stored, at least to the cent and never rounded (a spend of $0.015 shows as
$0.015). Rates are percentages with one decimal; a change of a rate is in percentage points (pp), so "error
rate 20.0% (+20.0 pp)" cannot be read as a relative change. Times are UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

NONE = "n/a"
_CENT = Decimal("0.01")


def dollars(amount: Decimal, signed: bool = False) -> str:
    """`$1,234.50`, `$0.015`; `signed` puts + before a rise (a fall always has its -)."""
    exact = amount.normalize()
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        exact = exact.quantize(_CENT)
    sign = "-" if exact < 0 else "+" if signed and exact > 0 else ""
    return f"{sign}${abs(exact):,f}"


def percent(share: float | None) -> str:
    return NONE if share is None else f"{share:.1%}"


def points(change: float | None) -> str:
    """A change of a rate, in percentage points."""
    return NONE if change is None else f"{change * 100:+.1f} pp"


def milliseconds(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value:,.0f} ms" if abs(value) >= 10 else f"{value:.1f} ms"


def count(n: int, unit: str) -> str:
    """`1 request`, `20 requests` (`unit` is the singular)."""
    return f"{n:,} {unit}{'' if n == 1 else 's'}"


def change(n: int, unit: str) -> str:
    """`+1 request`, `-3 requests`, `0 requests`."""
    return ("+" if n > 0 else "-" if n < 0 else "") + count(abs(n), unit)


def duration(span: timedelta) -> str:
    """`1 h 5 min`, `4 min 30 s`, `45 s` (whole seconds; days as hours)."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def utc(at: datetime | None) -> str:
    """`2026-11-20 12:05:00` in UTC (the column or sentence says UTC)."""
    return NONE if at is None else at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def cell(value: object) -> str:
    """A diagnostic's value as text: floats to at most four decimals, nothing for a missing value."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
