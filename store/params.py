"""Times as ClickHouse query parameters: one format, always in UTC.

ClickHouse reads a `DateTime`/`DateTime64` parameter as wall-clock text in the column's zone
(UTC everywhere in Spyglass), so a datetime must be converted to UTC *before* it is formatted;
a naive datetime is taken to be UTC already. Python keeps microseconds, which a
`DateTime64(9)` parameter reads exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

# The parameter types that match: `{since:NS_TYPE}` for DateTime64(9) columns, and so on.
NS_TYPE = "DateTime64(9, 'UTC')"
MS_TYPE = "DateTime64(3, 'UTC')"
S_TYPE = "DateTime('UTC')"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FORMATS = {0: "%Y-%m-%d %H:%M:%S", 3: "%Y-%m-%d %H:%M:%S.%f", 6: "%Y-%m-%d %H:%M:%S.%f"}


def utc(value: datetime) -> datetime:
    """`value` in UTC (a naive datetime is UTC already)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def from_ns(ns: int) -> datetime:
    """Nanoseconds since the epoch as a UTC time, to the microsecond below (Python keeps no nanoseconds)."""
    return datetime.fromtimestamp(ns // 10**9, timezone.utc).replace(microsecond=ns // 1000 % 10**6)


def time_param(value: datetime, digits: int = 6) -> str:
    """A `DateTime64` parameter with `digits` (0, 3 or 6) fractional digits; 0 suits a `DateTime`."""
    text = utc(value).strftime(_FORMATS[digits])
    return text[:-3] if digits == 3 else text


def hour_param(value: datetime) -> str:
    """The start of `value`'s UTC hour, as a `DateTime` parameter."""
    return time_param(utc(value).replace(minute=0, second=0, microsecond=0), 0)


def dates_param(values: Iterable[datetime]) -> list[str]:
    """The distinct UTC dates of datetimes, sorted, as an `Array(Date)` parameter (partition pruning)."""
    return sorted({utc(v).strftime("%Y-%m-%d") for v in values})


def seconds_param(values: Iterable[datetime]) -> list[str]:
    """Datetimes (whole seconds) as the sorted distinct values of an `Array(DateTime('UTC'))` parameter."""
    return sorted({time_param(v, 0) for v in values})
