"""Prometheus-style durations (`30s`, `5m`, `1h30m`, `7d`): how rule files, routes and the CLI spell time.

One parser for every place a person writes a length of time in the alerting configuration, so
`for: 5m` in a rule and `group_interval: 5m` in a route mean the same thing and fail the same way.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

_UNITS = {"ms": timedelta(milliseconds=1), "s": timedelta(seconds=1), "m": timedelta(minutes=1),
          "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "y": timedelta(days=365)}
_ORDER = ("y", "w", "d", "h", "m", "s", "ms")
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_WHOLE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")


def parse_duration(text: str) -> timedelta:
    """`1h30m` -> 1.5 hours. Units largest first, each once (Prometheus' rule); `0` means zero."""
    value = text.strip() if isinstance(text, str) else text
    if value == "0":
        return timedelta(0)
    if not isinstance(value, str) or not _WHOLE.fullmatch(value):
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 1h or 1h30m")
    units = [unit for _, unit in _PART.findall(value)]
    if len(set(units)) != len(units) or units != sorted(units, key=_ORDER.index):
        raise ValueError(f"{text!r} is not a duration: give each unit once, largest first (1h30m)")
    return sum((int(n) * _UNITS[unit] for n, unit in _PART.findall(value)), timedelta(0))


def format_duration(value: timedelta) -> str:
    """The shortest Prometheus spelling of `value` (`90s` -> `1m30s`, zero -> `0s`)."""
    ms = int(value.total_seconds() * 1000)
    if ms <= 0:
        return "0s"
    out = []
    for unit in _ORDER:
        size = int(_UNITS[unit].total_seconds() * 1000)
        count, ms = divmod(ms, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def duration_field(value: Any) -> Any:
    """A pydantic `mode="before"` validator: a duration string (or seconds as a number) becomes a timedelta."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{value} is negative; a duration is 0 or more")
        return timedelta(seconds=value)
    return value
