"""Durations in detector params, written as Prometheus writes them: `30s`, `5m`, `1h`, `7d`, `2w`, `1h30m`.

Rules files are YAML that people write; `window: 1h` reads better than `window_seconds: 3600`
and is what Prometheus and Alertmanager users already type. Params hold a `timedelta`
(validated once, when the rule is loaded) and serialise back to the short form.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([wdhms])")
_WHOLE = re.compile(r"^(?:\d+[wdhms])+$")


def parse_duration(value: object) -> timedelta:
    """`1h30m` -> timedelta(hours=1, minutes=30); a timedelta passes through; anything else is a clear error."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str) and _WHOLE.match(value.strip()):
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(value.strip()))
    else:
        raise ValueError(f"{value!r} is not a duration such as 30s, 5m, 1h, 7d or 1h30m")
    if seconds <= 0 or seconds != int(seconds):
        raise ValueError(f"{value!r}: a duration is a positive whole number of seconds")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The short form: timedelta(hours=1, minutes=30) -> `1h30m`, 14 days -> `2w`, 30 days -> `30d`."""
    rest, parts = int(value.total_seconds()), []
    for unit, size in _UNITS.items():
        if unit == "w" and rest % size:
            continue  # weeks only when whole: 30d, not 4w2d
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


# A positive duration: parsed from `5m` on the way in, written as `5m` on the way out.
Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)]


def whole_steps(step: timedelta, **spans: timedelta) -> None:
    """A window judged in buckets of `step` must be made of whole buckets (ValueError naming the span)."""
    for name, span in spans.items():
        if span % step:
            raise ValueError(f"{name}: a whole multiple of step ({step})")
