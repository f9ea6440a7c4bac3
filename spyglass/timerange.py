"""Time as the API speaks it: RFC 3339 in, RFC 3339 out, always UTC.

`since`/`until` accept RFC 3339 (`2026-11-21T05:00:00Z`), `now`, or a look-back such as
`15m`, `6h`, `7d` (meaning that long before now), the way Grafana's time picker does.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from store.errors import BadInput

_RELATIVE = re.compile(r"^(?:now-)?(\d+)(s|m|h|d|w)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(value: str, now: datetime, name: str = "time") -> datetime:
    text = value.strip()
    if text == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name}: {value!r} is neither RFC 3339 (2026-11-21T05:00:00Z), 'now', "
                       "nor a look-back such as 15m, 6h, 7d") from None
    if parsed.tzinfo is None:
        raise BadInput(f"{name}: {value!r} has no time zone; add Z or an offset (RFC 3339)")
    return parsed.astimezone(timezone.utc)


def parse_duration(value: str, name: str = "duration") -> timedelta:
    """A length of time in the look-back syntax (`90s`, `15m`, `24h`, `7d`, `2w`), for settings."""
    match = _RELATIVE.match(value.strip())
    if not match or value.strip().startswith("now"):
        raise BadInput(f"{name}: {value!r} is not a duration such as 15m, 24h or 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def time_range(since: str | None, until: str | None, default_lookback: timedelta,
               now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or datetime.now(timezone.utc)
    end = parse_time(until, now, "until") if until else now
    start = parse_time(since, now, "since") if since else end - default_lookback
    if start >= end:
        raise BadInput(f"since ({rfc3339(start)}) must be before until ({rfc3339(end)})")
    return start, end


def rfc3339(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def rfc3339_ns(ns: int) -> str:
    """Nanoseconds since the epoch as RFC 3339 with all nine digits (Python's datetime has six)."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{fraction:09d}Z"
