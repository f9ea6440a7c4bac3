"""One evaluation cycle of the alert engine, the scheduled job `alerts`.

    rules -> evaluate (one query per detector, one per sql rule) -> state machine per instance
    -> persist transitions and states -> open or attach incidents (alerts/incidents/opener.py)
    -> mute (silences, inhibition) -> route and group -> enqueue notifications in the outbox
    -> persist the notification log

Evaluation only reads the store and delivery happens in the outbox's own worker, so neither a
slow receiver nor a hanging one can hold up a cycle. States and the notification log are kept
in memory between cycles (one scheduler per store holds the lease) and read from the store by
the first cycle, so a restart resumes pending timers and group timers, and a notification that
was enqueued is not produced again. If the outbox refuses a batch, the log is not written and
the next cycle produces the same notifications with the same idempotency keys. A failure of the
incident hook is logged and does not hold up notifications: the hook links each alert episode once
and tries again at the next cycle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from alerts.evaluation import Detector, RuleResult, evaluate
from alerts.grouping import Candidate, GroupEntry, dispatch
from alerts.inhibit import InhibitRule
from alerts.model import Alert, Notification, Status
from alerts.mute import Muting, mutings
from alerts.persistence import AlertStore, StateKey
from alerts.routing import Route
from alerts.rules import Rule, RuleSet
from alerts.state import AlertState, Transition, forgotten, step
from store.base import Store

log = logging.getLogger(__name__)
MIN_RESOLVED_RETENTION = timedelta(minutes=15)


class Outbox(Protocol):
    """Where notifications go (alerts/outbox.py): stored durably once per idempotency key, delivered later."""

    def enqueue(self, notifications: Sequence[Notification]) -> object: ...


class Rules(Protocol):
    def current(self) -> RuleSet: ...


class IncidentHook(Protocol):
    """Opens incidents for firing alert groups (alerts/incidents/opener.py); returns how many it opened."""

    def observe(self, states: Iterable[AlertState], rules: Mapping[str, Rule], now: datetime,
                silenced: frozenset[str] = frozenset()) -> int: ...


@dataclass(frozen=True)
class CycleReport:
    """What one cycle did (the scheduler shows it in readiness)."""

    rules_version: str
    rules: int
    failed: int
    pending: int
    firing: int
    transitions: int
    notifications: int
    seconds: float
    incidents_opened: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def resolved_retention(route: Route, interval: timedelta) -> timedelta:
    """How long a resolved instance is kept: long enough for every group it is in to flush once more."""
    longest = max(node.group_wait + node.group_interval for node in route.walk())
    return max(MIN_RESOLVED_RETENTION, longest + 2 * interval)


def candidate(state: AlertState, rule: Rule | None, muted: bool, now: datetime) -> Candidate:
    """A firing or resolved instance as the dispatcher takes it (its rule may be gone: then no own group_by)."""
    status: Status = "firing" if state.status == "firing" else "resolved"
    starts_at = state.firing_since or state.active_since or now
    alert = Alert(status, dict(state.labels), dict(state.annotations), starts_at,
                  state.resolved_at if status == "resolved" else None, state.value)
    return Candidate(alert, state.resolved_at, rule.group_by if rule else None, muted)


class Engine:
    def __init__(self, store: Store, rules: Rules, detectors: Mapping[str, Detector], outbox: Outbox, route: Route,
                 inhibit_rules: Sequence[InhibitRule] = (), interval_seconds: float = 30,
                 send_resolved: Callable[[str], bool] = lambda receiver: True, workers: int = 4,
                 incidents: IncidentHook | None = None,
                 on_result: Callable[[RuleResult], None] = lambda result: None) -> None:
        """`on_result` sees each rule's result of every cycle (the service's self-observation: a span and the
        evaluation metrics per rule)."""
        self._on_result = on_result
        self._store, self._rules, self._detectors, self._outbox = store, rules, detectors, outbox
        self._incidents = incidents
        self._route, self._inhibit, self._send_resolved, self._workers = route, tuple(inhibit_rules), send_resolved, workers
        self._interval = timedelta(seconds=interval_seconds)
        self._retention = resolved_retention(route, self._interval)
        self._db = AlertStore(store)
        self._states: dict[StateKey, AlertState] | None = None
        self._groups: dict[tuple[str, str], GroupEntry] = {}

    def evaluate(self, now: datetime) -> CycleReport:
        started = time.monotonic()
        ruleset = self._rules.current()
        if self._states is None:  # the first cycle of this process resumes what the store holds
            self._states, self._groups = self._db.states(), self._db.groups()
        results = evaluate(ruleset.rules, self._detectors, self._store, now, int(self._interval.total_seconds()),
                           self._workers)
        changed, transitions = self._advance(ruleset, results, now)
        self._db.save(changed, transitions)
        for state in changed:
            key = (state.rule, state.fingerprint)
            if state.status == "inactive":
                self._states.pop(key, None)
            else:
                self._states[key] = state
        self._db.save_health([{"rule": r.rule.name, "evaluated_at": now, "seconds": r.seconds,
                               "instances": len(r.samples or ()), "error": r.error, "rules_version": ruleset.version}
                              for r in results])
        muted = mutings(self._states.values(), self._db.silences(active_at=now), self._inhibit, now)
        opened = self._open_incidents(ruleset, now, frozenset(fp for fp, m in muted.items() if m.silenced_by))
        sent = self._dispatch(ruleset, now, muted)
        states = list(self._states.values())
        report = CycleReport(ruleset.version, len(results), sum(1 for r in results if r.samples is None),
                             sum(1 for s in states if s.status == "pending"),
                             sum(1 for s in states if s.status == "firing"), len(transitions), sent,
                             round(time.monotonic() - started, 3), opened)
        for r in results:
            self._on_result(r)
            if r.error:
                log.warning("rule=%s evaluation failed: %s", r.rule.name, r.error)
        return report

    def _advance(self, ruleset: RuleSet, results: Sequence[RuleResult], now: datetime
                 ) -> tuple[list[AlertState], list[Transition]]:
        assert self._states is not None
        by_rule: dict[str, list[AlertState]] = {}
        for state in self._states.values():
            by_rule.setdefault(state.rule, []).append(state)
        changed: list[AlertState] = []
        transitions: list[Transition] = []

        def advance(state: AlertState | None, sample: Any, for_: timedelta, keep: timedelta) -> None:
            new, edges = step(state, sample, now, for_, keep)
            if new is not None and forgotten(new, now, self._retention):
                new = None
            transitions.extend(edges)
            if new is None and state is not None:
                changed.append(replace(state, status="inactive", updated_at=now))
            elif new is not None and new != state:
                changed.append(new)

        for result in results:
            if result.samples is None:
                continue  # a failed evaluation is not a resolution: the rule's instances stay as they are
            rule, seen = result.rule, {s.fingerprint: s for s in result.samples}
            known = {s.fingerprint: s for s in by_rule.get(rule.name, [])}
            for fp in sorted(set(seen) | set(known)):
                advance(known.get(fp), seen.get(fp), rule.for_, rule.keep_firing_for)
        names = {rule.name for rule in ruleset.rules}
        for name, states in by_rule.items():
            if name not in names:  # the rule was removed: its instances resolve
                for state in states:
                    advance(state, None, timedelta(0), timedelta(0))
        return changed, transitions

    def _open_incidents(self, ruleset: RuleSet, now: datetime, silenced: frozenset[str]) -> int:
        if self._incidents is None:
            return 0
        assert self._states is not None
        try:
            return self._incidents.observe(list(self._states.values()), ruleset.by_name(), now, silenced)
        except Exception:  # the hook tries the same episodes again next cycle; notifications go out meanwhile
            log.exception("incidents: linking alerts to incidents failed this cycle")
            return 0

    def _dispatch(self, ruleset: RuleSet, now: datetime, muted: Mapping[str, Muting]) -> int:
        assert self._states is not None
        rules = ruleset.by_name()
        states = list(self._states.values())
        candidates = [candidate(s, rules.get(s.rule), muted[s.fingerprint].muted, now)
                      for s in states if s.status in ("firing", "resolved")]
        out = dispatch(candidates, self._route, self._groups, now, self._send_resolved)
        if out.notifications:
            self._outbox.enqueue(out.notifications)  # raises: the log stays, the next cycle tries again
        self._db.save_groups(out.entries, now)
        self._groups.update({entry.key: entry for entry in out.entries})
        for decision in out.decisions:
            if decision.reason:
                log.info("notify receiver=%s group=%s reason=%r", decision.receiver, decision.group_key,
                         decision.reason)
        return len(out.notifications)
