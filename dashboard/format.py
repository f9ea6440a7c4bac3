"""How numbers read on a tile or in a table: money, compact counts, percentages, durations, times.

Pure functions, so every page formats alike and the rules are tested once. A value that is not
known reads `MISSING` ("–"), never "None"; Streamlit's tables draw a null cell as "None", so a
column that may lack values is given as text formatted here.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal

MISSING = "–"
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def money(value: str | Decimal | None, currency: str = "USD") -> str:
    """Money as people read it: cents from a dollar up ('$1,234.57'), up to three significant digits below
    and at least cents ('$0.0142', '$0.50', '$0.00000125'), so a small amount never reads '$0.00' or '$0.01'."""
    if value is None:
        return MISSING
    sign, amount, symbol = _parts(value, currency)
    if amount and amount < 1:
        amount = amount.quantize(Decimal(10) ** (amount.adjusted() - 2), rounding=ROUND_HALF_EVEN)
    if amount >= 1 or not amount:
        return f"{sign}{symbol}{amount:,.2f}"
    text = f"{amount.normalize():f}"
    return f"{sign}{symbol}{text.ljust(4, '0')}"  # '0.5' -> '0.50'


def money_exact(value: str | Decimal | None, currency: str = "USD") -> str:
    """Money to the last digit the API sent, at least cents ('$0.00123456', '$1,234.50'): for a per-span table
    whose parts must add up to the total exactly, and a comparison where rounding a cost per request could hide
    the difference being judged; `money` is for reading, this is for checking."""
    if value is None:
        return MISSING
    sign, amount, symbol = _parts(value, currency)
    exponent = amount.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{sign}{symbol}{amount:,.{places}f}"


def _parts(value: str | Decimal, currency: str) -> tuple[str, Decimal, str]:
    """(sign, absolute amount, currency symbol): how both money formats start."""
    amount = Decimal(value)
    return ("-" if amount < 0 else ""), abs(amount), ("$" if currency == "USD" else f"{currency} ")


def tokens(value: int | None) -> str:
    """Token counts as people read them: 850 -> '850', 1234 -> '1.23k', 2_500_000 -> '2.5M'."""
    if value is None:
        return MISSING
    for threshold, suffix in _SUFFIXES:
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return f"{value:,}"


def number(value: float | None, spec: str) -> str:
    """`value` formatted by `spec` ('.1f', ',.0f', '.4g'), or MISSING."""
    return MISSING if value is None else format(value, spec)


def quantity(value: float | None) -> str:
    """A value of no known unit (an alert's: dollars, a ratio, milliseconds), to four significant digits with
    thousands separators and never in scientific notation: 90,712 and 0.3333, not 9.071e+04."""
    if value is None:
        return MISSING
    if value == 0 or not math.isfinite(value):
        return format(value, "g")
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{round(value, digits):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def timestamp(text: str | None) -> str:
    """An API timestamp (RFC 3339, up to nine fraction digits) as '2026-11-20 12:00:05' (UTC), or MISSING."""
    if not text:
        return MISSING
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return f"{parsed.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"


def count(value: int | float | None) -> str:
    """1234 -> '1,234'; 1_234_567 -> '1.23M': exact while small, compact once digits stop helping."""
    if value is None:
        return "–"
    if abs(value) < 100_000:
        return f"{value:,.0f}"
    for threshold, suffix in _SUFFIXES:
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return f"{value:,.0f}"


def percent(ratio: float | None) -> str:
    """0.25 -> '25.0%'; small non-zero rates keep two decimals so they do not read as 0."""
    if ratio is None:
        return "–"
    if 0 < ratio < 0.01:
        return f"{ratio:.2%}"
    return f"{ratio:.1%}"


def duration_ms(value: float | None) -> str:
    """Milliseconds as people read latency: '850 ms', '1.24 s', '2.5 min'."""
    if value is None:
        return "–"
    if value < 1000:
        return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if value < 60_000:
        return f"{value / 1000:.3g} s"
    return f"{value / 60_000:.3g} min"


def time_range(since: datetime, until: datetime) -> str:
    """'2026-11-20 05:41 → 2026-11-21 05:41 UTC' (inputs in UTC)."""
    return f"{since:%Y-%m-%d %H:%M} → {until:%Y-%m-%d %H:%M} UTC"
