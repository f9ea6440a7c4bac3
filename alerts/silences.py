"""Silences: a person mutes alerts whose labels match, from a start to an end, saying who and why.

Pure matching and validation; the store keeps them (store/queries/silences.py). A silence is
`pending` before its start, `active` until its end or until someone expires it, then `expired`
for good. As in Alertmanager, every silence needs at least one matcher that cannot match an
empty label, so that no silence can mute everything by accident.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from store.errors import BadInput
from store.matchers import Matcher, matches_all, parse_matcher

SilenceState = Literal["pending", "active", "expired"]


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    updated_at: datetime
    expired_at: datetime | None = None

    def state(self, now: datetime) -> SilenceState:
        if (self.expired_at is not None and self.expired_at <= now) or now >= self.ends_at:
            return "expired"
        return "pending" if now < self.starts_at else "active"

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.state(now) == "active" and matches_all(self.matchers, labels)


def new_silence(matchers: Sequence[str], starts_at: datetime, ends_at: datetime, created_by: str, comment: str,
                now: datetime) -> Silence:
    """A validated new silence; BadInput says what is wrong (nothing is written for a bad one)."""
    if not matchers:
        raise BadInput("a silence needs at least one matcher, such as alertname=\"cost-spike\"")
    try:
        parsed = tuple(parse_matcher(m) for m in matchers)
    except ValueError as exc:
        raise BadInput(f"silence matcher: {exc}") from None
    if all(m.matches({}) for m in parsed):
        raise BadInput("every matcher of this silence also matches alerts without that label, so it would "
                       "silence everything; add one that needs a value, such as service=\"api\"")
    if ends_at <= starts_at:
        raise BadInput(f"the silence ends ({ends_at.isoformat()}) before it starts ({starts_at.isoformat()})")
    if ends_at <= now:
        raise BadInput(f"the silence ends in the past ({ends_at.isoformat()})")
    if not created_by.strip():
        raise BadInput("a silence needs its author (created_by)")
    if not comment.strip():
        raise BadInput("a silence needs a comment saying why")
    return Silence(uuid.uuid4().hex, parsed, starts_at, ends_at, created_by.strip(), comment.strip(), now)


def expire(silence: Silence, now: datetime) -> Silence:
    """The silence, expired at `now` (a pending one never starts); expiring an expired one is refused."""
    if silence.state(now) == "expired":
        raise BadInput(f"silence {silence.id} has already expired")
    return replace(silence, expired_at=now, updated_at=now)


def silenced_by(labels: Mapping[str, str], silences: Iterable[Silence], now: datetime) -> list[str]:
    """The ids of the active silences that mute an alert with `labels`."""
    return [s.id for s in silences if s.mutes(labels, now)]
