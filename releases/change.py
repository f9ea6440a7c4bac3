"""One change in the fleet, as the `changes` table keeps it (migration 22), whoever found it.

A change is detected (the changes job saw the first call of a new value) or reported (a person or a CI
pipeline said so through the API). `dimension` is the `llm_calls` column a comparison of the change splits
calls by, and follows from what changed: a reported change gets it from its kind (`dimension_of`), a
detected one from the column that showed the new value.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

KINDS = ("deploy", "prompt", "model", "provider", "config", "price", "flag")
SOURCES = ("detected", "reported")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DIMENSIONS = {"deploy": "service_version", "prompt": "prompt_version", "model": "model", "provider": "provider"}


def nanoseconds(at: datetime) -> int:
    """A time as integer nanoseconds since the epoch (a naive time is UTC), exact."""
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return (at - _EPOCH) // timedelta(microseconds=1) * 1000


def dimension_of(kind: str) -> str:
    """The `llm_calls` column a change of this kind splits calls by ('' when no column shows it: a price, a
    config, a flag)."""
    return _DIMENSIONS.get(kind, "")


def change_id(kind: str, project: str, service: str, dimension: str, subject: str, to_value: str, at_ns: int) -> str:
    """The id of a change, a hash of what changed and when: finding the same change again gives the same id,
    so a rerun, a restart or a retry writes nothing new."""
    text = "\x1f".join((kind, project, service, dimension, subject, to_value, str(at_ns)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Change:
    """A row of `changes`; `at_ns` is the change's time in nanoseconds since the epoch (UTC)."""

    id: str
    at_ns: int
    kind: str
    project: str
    service: str
    model: str
    dimension: str
    subject: str
    from_value: str
    to_value: str
    source: str
    author: str = ""
    description: str = ""
    link: str = ""

    def row(self, recorded_at: datetime) -> dict[str, Any]:
        """The row to insert (store/queries/changes.py `COLUMNS`)."""
        row = asdict(self)
        row["at"] = row.pop("at_ns")
        return {**row, "recorded_at": recorded_at}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Change:
        """A change from a stored row as store/queries/changes.py reads it."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})
