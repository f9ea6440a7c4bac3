"""How numbers read on a tile: compact counts, percentages, durations, time ranges.

Pure functions, so every page formats alike and the rules are tested once.
"""

from __future__ import annotations

from datetime import datetime

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


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
