"""The dispatcher: alert groups, their timers, and whether a group's receiver must hear about it now.

Pure: it takes the alerts (firing, and resolved since their group's last flush), the routing
tree, which alerts are muted (silenced or inhibited) and the notification log (`GroupEntry` per
receiver and group key, persisted in `alert_groups`), and returns the notifications to enqueue
and the log entries to write. Run at every evaluation, so the timers tick at the evaluation
interval.

Timers (Alertmanager's): a group that gets its first alert opens and is flushed `group_wait`
later; after that it is flushed every `group_interval`. A group with nothing firing any more
closes after its flush; its next alert opens it again (and waits `group_wait` again). At a flush,
muted alerts are left out (a group whose alerts are all muted sends nothing and logs nothing),
then `needs_update` — Alertmanager's DedupStage decision table — compares the firing and resolved
fingerprints with what the log says was last sent. Every notification gets the next `sequence`
number of its (receiver, group key), which makes its idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from alerts.model import Alert, Notification, Status
from alerts.routing import Route, group_key, group_labels


@dataclass(frozen=True)
class Candidate:
    """An alert the dispatcher may group: the alert, when it resolved, its rule's group_by, whether it is muted."""

    alert: Alert
    resolved_at: datetime | None = None
    group_by: tuple[str, ...] | None = None  # the rule's own grouping, instead of the route's
    muted: bool = False

    @property
    def fingerprint(self) -> str:
        return self.alert.fingerprint


@dataclass(frozen=True)
class GroupEntry:
    """The notification log of one (receiver, group key), and the group's timers."""

    receiver: str
    group_key: str
    group_labels: Mapping[str, str]
    opened_at: datetime | None = None  # None: the group is closed (nothing in it)
    flushed_at: datetime | None = None
    notified_at: datetime | None = None  # the last notification; None: never notified
    firing: frozenset[str] = frozenset()  # fingerprints the last notification reported firing
    resolved: frozenset[str] = frozenset()
    sequence: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return self.receiver, self.group_key


@dataclass(frozen=True)
class Decision:
    """What a flush decided, for logs and tests: `reason` is None when nothing was sent."""

    receiver: str
    group_key: str
    reason: str | None


@dataclass(frozen=True)
class Dispatch:
    notifications: list[Notification] = field(default_factory=list)
    entries: list[GroupEntry] = field(default_factory=list)  # changed log entries, to persist
    decisions: list[Decision] = field(default_factory=list)


def needs_update(entry: GroupEntry, firing: frozenset[str], resolved: frozenset[str], send_resolved: bool,
                 repeat_interval: timedelta, now: datetime) -> str | None:
    """Alertmanager's `DedupStage.needsUpdate`: why to notify now, or None not to."""
    if entry.notified_at is None:
        return "first notification" if firing else None
    if not firing <= entry.firing:
        return "new alerts in group"
    if not firing:
        # Sent even when the receiver does not send resolved messages, so the log forgets what fired.
        return "all alerts resolved" if entry.firing else None
    if send_resolved and not resolved <= entry.resolved:
        return "some alerts resolved"
    if now - entry.notified_at >= repeat_interval:
        return "repeat interval elapsed"
    return None


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    first = maps[0]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def _notification(entry: GroupEntry, alerts: list[Alert], now: datetime) -> Notification:
    ordered = tuple(sorted(alerts, key=lambda a: (a.status != "firing", sorted(a.labels.items()))))
    status: Status = "firing" if any(a.status == "firing" for a in ordered) else "resolved"
    return Notification(entry.receiver, entry.group_key, entry.sequence, status, dict(entry.group_labels),
                        _common([a.labels for a in ordered]), _common([a.annotations for a in ordered]), ordered, now)


@dataclass
class _Group:
    route: Route
    labels: dict[str, str]
    members: list[Candidate] = field(default_factory=list)


def _groups(candidates: Iterable[Candidate], root: Route, log: Mapping[tuple[str, str], GroupEntry]
            ) -> dict[tuple[str, str], _Group]:
    groups: dict[tuple[str, str], _Group] = {}
    for candidate in candidates:
        for route in root.match(candidate.alert.labels):
            if route.receiver is None:
                continue
            labels = group_labels(candidate.alert.labels, candidate.group_by or route.group_by)
            key = (route.receiver, group_key(route, labels))
            entry = log.get(key)
            if candidate.alert.status == "resolved" and entry is not None and entry.flushed_at is not None \
                    and candidate.resolved_at is not None and candidate.resolved_at <= entry.flushed_at:
                continue  # its resolution went out with an earlier flush
            groups.setdefault(key, _Group(route, labels)).members.append(candidate)
    return groups


def _flush(entry: GroupEntry, group: _Group, now: datetime, send_resolved: bool
           ) -> tuple[GroupEntry, Notification | None, str | None]:
    heard = [m for m in group.members if not m.muted]
    entry = replace(entry, flushed_at=now)
    if not any(m.alert.status == "firing" for m in group.members):
        entry = replace(entry, opened_at=None)
    if not heard:
        return entry, None, None
    firing = frozenset(m.fingerprint for m in heard if m.alert.status == "firing")
    resolved = frozenset(m.fingerprint for m in heard if m.alert.status == "resolved")
    reason = needs_update(entry, firing, resolved, send_resolved, group.route.repeat_interval, now)
    if reason is None:
        return entry, None, None
    entry = replace(entry, notified_at=now, firing=firing, resolved=resolved, sequence=entry.sequence + 1)
    return entry, _notification(entry, [m.alert for m in heard], now), reason


def _next_flush(entry: GroupEntry, route: Route) -> datetime:
    """group_wait after the group opened if it has not flushed since; else group_interval after its last flush."""
    assert entry.opened_at is not None
    if entry.flushed_at is None or entry.flushed_at < entry.opened_at:
        return entry.opened_at + route.group_wait
    return entry.flushed_at + route.group_interval


def dispatch(candidates: Iterable[Candidate], root: Route, log: Mapping[tuple[str, str], GroupEntry],
             now: datetime, send_resolved: Callable[[str], bool] = lambda receiver: True) -> Dispatch:
    """One tick of every group: open new ones, flush the due ones, close the empty ones."""
    out = Dispatch()
    groups = _groups(candidates, root, log)
    for key, entry in log.items():
        if key not in groups and entry.opened_at is not None:
            out.entries.append(replace(entry, opened_at=None))  # its alerts left (rule or route changed)
    for key, group in groups.items():
        before = log.get(key) or GroupEntry(key[0], key[1], group.labels)
        entry = before if before.opened_at is not None else replace(before, opened_at=now)
        if now >= _next_flush(entry, group.route):
            entry, notification, reason = _flush(entry, group, now, send_resolved(entry.receiver))
            out.decisions.append(Decision(entry.receiver, entry.group_key, reason))
            if notification is not None:
                out.notifications.append(notification)
        if entry != before:
            out.entries.append(entry)
    return out
