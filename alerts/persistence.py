"""The engine's tables as the engine's types: states, transitions, the notification log, silences, rule health.

The only module of `alerts/` that knows the row shapes of store/queries/alerts.py and
store/queries/silences.py; everything else works with `AlertState`, `Transition`, `GroupEntry`
and `Silence`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from alerts.grouping import GroupEntry
from alerts.silences import Silence
from alerts.state import AlertState, Transition
from store.base import Store
from store.matchers import parse_matcher
from store.queries import alerts as q
from store.queries import silences as sq

StateKey = tuple[str, str]  # (rule, fingerprint)


def state_row(state: AlertState) -> dict[str, Any]:
    return {"rule": state.rule, "fingerprint": state.fingerprint, "labels": dict(state.labels),
            "status": state.status, "severity": state.labels.get("severity", ""), "active_since": state.active_since,
            "firing_since": state.firing_since, "last_active_at": state.last_active_at,
            "keep_firing_since": state.keep_firing_since, "resolved_at": state.resolved_at, "value": state.value, "threshold": state.threshold,
            "annotations": dict(state.annotations), "evidence": json.dumps(state.evidence, default=str, sort_keys=True),
            "runbook": state.annotations.get("runbook", ""), "updated_at": state.updated_at}


def state_of(row: dict[str, Any]) -> AlertState:
    return AlertState(row["rule"], row["fingerprint"], row["labels"], row["status"], row["active_since"],
                      row["firing_since"], row["last_active_at"], row["keep_firing_since"], row["resolved_at"],
                      row["value"], row["threshold"], row["annotations"], json.loads(row["evidence"] or "{}"),
                      row["updated_at"])


def event_row(t: Transition) -> dict[str, Any]:
    return {"at": t.at, "rule": t.rule, "fingerprint": t.fingerprint, "labels": dict(t.labels),
            "severity": t.labels.get("severity", ""), "from_status": t.from_status, "to_status": t.to_status,
            "value": t.value, "annotations": dict(t.annotations)}


def group_row(entry: GroupEntry, now: datetime) -> dict[str, Any]:
    return {"receiver": entry.receiver, "group_key": entry.group_key, "group_labels": dict(entry.group_labels),
            "opened_at": entry.opened_at, "flushed_at": entry.flushed_at, "notified_at": entry.notified_at,
            "firing": sorted(entry.firing), "resolved": sorted(entry.resolved), "sequence": entry.sequence,
            "updated_at": now}


def group_of(row: dict[str, Any]) -> GroupEntry:
    return GroupEntry(row["receiver"], row["group_key"], row["group_labels"], row["opened_at"], row["flushed_at"],
                      row["notified_at"], frozenset(row["firing"]), frozenset(row["resolved"]), row["sequence"])


def silence_row(s: Silence) -> dict[str, Any]:
    return {"id": s.id, "matchers": [str(m) for m in s.matchers], "starts_at": s.starts_at, "ends_at": s.ends_at,
            "created_by": s.created_by, "comment": s.comment, "expired_at": s.expired_at, "updated_at": s.updated_at}


def silence_of(row: dict[str, Any]) -> Silence:
    return Silence(row["id"], tuple(parse_matcher(m) for m in row["matchers"]), row["starts_at"], row["ends_at"],
                   row["created_by"], row["comment"], row["updated_at"], row["expired_at"])


class AlertStore:
    """The engine's reads and writes, over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def states(self) -> dict[StateKey, AlertState]:
        return {(s.rule, s.fingerprint): s for s in map(state_of, q.current_states(self.store))}

    def save(self, states: Iterable[AlertState], transitions: Sequence[Transition]) -> None:
        """Transitions first: a state row never exists without the event that made it."""
        q.append_events(self.store, [event_row(t) for t in transitions])
        q.write_states(self.store, [state_row(s) for s in states])

    def groups(self) -> dict[tuple[str, str], GroupEntry]:
        return {(e.receiver, e.group_key): e for e in map(group_of, q.open_groups(self.store))}

    def save_groups(self, entries: Iterable[GroupEntry], now: datetime) -> None:
        q.write_groups(self.store, [group_row(e, now) for e in entries])

    def silences(self, active_at: datetime | None = None) -> list[Silence]:
        """Every silence, or only those not ended or expired at `active_at` (pending ones included)."""
        return [silence_of(row) for row in sq.silences(self.store, active_at)]

    def silence(self, silence_id: str) -> Silence | None:
        row = sq.silence(self.store, silence_id)
        return silence_of(row) if row else None

    def save_silence(self, silence: Silence) -> None:
        sq.write_silence(self.store, silence_row(silence))

    def save_health(self, rows: Sequence[dict[str, Any]]) -> None:
        q.write_rule_health(self.store, rows)
