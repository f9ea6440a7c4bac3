"""What the changes job decides, as pure functions: which values are new, what they replaced, which changes
to record (the job, releases/changes_job.py, reads and writes; docs/architecture.md "Releases: changes").

A value of a key (a service's version, model or provider; a prompt's version in a service; the snapshot
answering a requested model in a service) is new at its first call when the key had no call with that value
in the look-back before it (`detect_lookback`, 7 days): a version that comes back after a week away is a
change again, one that serves every few hours is not. Its change records:
- `from_value`: the value with the most calls of the key in the hour before (`RECENT`), else the last one the
  key had in the look-back, else '' (the first value ever seen for the key, which is recorded too: a new
  service's first version, model and provider are its first deploy);
- except a snapshot: the first one seen under a requested model is part of that model's arrival, not a
  provider's change under the same name, so a snapshot is recorded only when it replaced another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from releases.change import Change, change_id

RECENT_NS = 3600 * 10**9
_KIND = {"service_version": "deploy", "prompt_version": "prompt", "model": "model", "response_model": "model",
         "provider": "provider"}
_WHAT = {"service_version": "first call at version {to}", "prompt_version": "first call with prompt {subject} version {to}",
         "model": "first call to model {to}", "response_model": "first call of {subject} answered by snapshot {to}",
         "provider": "first call to provider {to}"}

Key = tuple[str, str, str, str]  # project, service, dimension, subject


@dataclass(frozen=True)
class Candidate:
    """A value in newly ingested calls: its key, its first new call, and what the calls of the job's
    look-back (ingested before, seen by earlier runs) show of it."""

    project: str
    service: str
    dimension: str
    subject: str
    value: str
    first_ns: int
    old_calls: int = 0
    old_min_ns: int = 0
    old_max_ns: int = 0

    @property
    def key(self) -> Key:
        return self.project, self.service, self.dimension, self.subject


@dataclass(frozen=True)
class Before:
    """A value the candidate's key had before the candidate's first call (store/queries/changes.py
    `values_before`)."""

    value: str
    recent_calls: int
    last_ns: int


def seen_in_window(c: Candidate, lookback_ns: int) -> bool:
    """True when calls the job read already show the value within the look-back before its first new call,
    so it is not new and the store need not be asked (the steady state: a value that keeps serving)."""
    start = c.first_ns - lookback_ns
    return c.old_calls > 0 and any(start <= t < c.first_ns for t in (c.old_min_ns, c.old_max_ns))


def replaced(before: Iterable[Before]) -> str:
    """The value a new one replaced: most calls in the hour before it, then the latest, then by name."""
    ranked = max(before, key=lambda b: (b.recent_calls, b.last_ns, b.value), default=None)
    return ranked.value if ranked else ""


def is_new(c: Candidate, before: Sequence[Before]) -> bool:
    """New unless the key had the same value before (within the span `before` was read over)."""
    return all(b.value != c.value for b in before)


def describe(dimension: str, subject: str, service: str, from_value: str, to_value: str) -> str:
    was = f" (was {from_value})" if from_value else " (the first seen)"
    return f"{service}: {_WHAT[dimension].format(subject=subject, to=to_value)}{was}"


def detected_change(c: Candidate, from_value: str) -> Change | None:
    """The change a new value makes, or None for a requested model's first snapshot (see the module)."""
    if c.dimension == "response_model" and not from_value:
        return None
    kind = _KIND[c.dimension]
    model = c.value if c.dimension == "model" else c.subject if c.dimension == "response_model" else ""
    return Change(id=change_id(kind, c.project, c.service, c.dimension, c.subject, c.value, c.first_ns),
                  at_ns=c.first_ns, kind=kind, project=c.project, service=c.service, model=model,
                  dimension=c.dimension, subject=c.subject, from_value=from_value, to_value=c.value,
                  source="detected", description=describe(c.dimension, c.subject, c.service, from_value, c.value))


def already_recorded(change: Change, recorded: Iterable[Change], lookback_ns: int) -> bool:
    """True when a recorded change already stands for this one: the same change (same id), or the same value
    of the same key recorded up to a look-back later. The latter is a late span: it arrived after its value's
    change was recorded and is older than that change's first call. The recorded change keeps its time (and
    its id, which verdicts refer to) rather than moving back by the late span."""
    def same(r: Change) -> bool:
        return (r.kind, r.project, r.service, r.dimension, r.subject, r.to_value) == (
            change.kind, change.project, change.service, change.dimension, change.subject, change.to_value)

    return any(r.id == change.id or (same(r) and change.at_ns <= r.at_ns <= change.at_ns + lookback_ns)
               for r in recorded)


def price_change(latest: Change | None, version: str, now_ns: int) -> Change | None:
    """A new price catalog version is a fleet-wide change (project and service '') at the run that first
    prices with it; None when the latest recorded price change is to this version already."""
    if latest is not None and latest.to_value == version:
        return None
    was = latest.to_value if latest else ""
    return Change(id=change_id("price", "", "", "", "", version, now_ns), at_ns=now_ns, kind="price", project="",
                  service="", model="", dimension="", subject="", from_value=was, to_value=version,
                  source="detected", description=f"price catalog version {version[:12]}"
                                                 + (f" (was {was[:12]})" if was else " (the first seen)"))
