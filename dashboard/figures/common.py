"""What every page's figures share: UTC times for Plotly, the bucket grid, colours, labels, the chart config.

Choices that matter to the reader of a chart:
- a name keeps one colour on every chart of a page (`series_colors`), so the eye can follow it;
- every time axis is UTC wall-clock time (`parse_time`), labelled so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from plotly.colors import qualitative

PALETTE: tuple[str, ...] = tuple(qualitative.Plotly)
UNKNOWN = "(unknown)"
# Plotly's options for every chart: no logo, the tool bar only on hover.
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "displayModeBar": "hover"}


def parse_time(text: str) -> datetime:
    """An API timestamp (RFC 3339, up to nine fraction digits) as a naive UTC datetime.

    Naive because Plotly.js has no time zones: an offset in the string would be dropped or
    misread, so every time axis is labelled UTC and fed UTC wall-clock values.
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def bucket_grid(since: datetime, until: datetime, step_seconds: int) -> list[datetime]:
    """Every bucket start in [since, until) on the API's grid (multiples of the step since the epoch)."""
    if step_seconds <= 0:
        raise ValueError("step_seconds must be positive")
    epoch = datetime(1970, 1, 1)
    first = int((since - epoch).total_seconds() // step_seconds) * step_seconds
    grid, current = [], epoch + timedelta(seconds=first)
    step = timedelta(seconds=step_seconds)
    while current < until:
        grid.append(current)
        current += step
    return grid


def series_colors(names: Iterable[str]) -> dict[str, str]:
    """A stable colour per name (sorted order), shared by all charts of a page."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def label(name: str) -> str:
    """How an empty name (no model, no feature, ...) reads on a chart."""
    return name or UNKNOWN
