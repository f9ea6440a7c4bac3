"""The alert engine's incident hook: alert episodes at or above `alerts.incident_min_severity` open incidents.

Called once per evaluation cycle with every instance's state. An *episode* is one firing of one alert
instance (rule, fingerprint, firing since). Each new episode joins the open incident (triggered,
acknowledged or mitigated) of its alert group, or opens one; an episode is linked once, so an alert
that keeps firing after its incident was resolved by hand does not open another, while the same alert
firing again later (a new episode) does. When a linked episode resolves, its incident's timeline says so.

The store is the truth: the episodes already linked are read from the timeline (`incident_events.episode`)
at the first cycle of a process, so a restart neither opens a second incident nor repeats an event; after
that the hook keeps them in memory (one scheduler per store holds the lease, so it is the only writer of
alert events) and forgets an episode once its instance is gone.

The alert group is the one its notifications go to: the first route the alert matches, with the rule's
own `group_by` if it has one, whether or not that route has a receiver (incidents open without one).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from alerts.incidents.desk import IncidentDesk, episode
from alerts.incidents.model import at_least
from alerts.routing import Route, group_key, group_labels
from alerts.rules import Rule
from alerts.state import AlertState

log = logging.getLogger(__name__)


class IncidentOpener:
    def __init__(self, desk: IncidentDesk, route: Route, min_severity: str = "critical") -> None:
        self._desk, self._route, self._min = desk, route, min_severity
        self._linked: dict[str, str] | None = None  # episode -> incident id
        self._resolved: set[str] = set()  # linked episodes whose resolution is on the timeline

    def group_key(self, state: AlertState, rule: Rule | None) -> str:
        route = self._route.match(state.labels)[0]
        return group_key(route, group_labels(state.labels, (rule.group_by if rule else None) or route.group_by))

    def observe(self, states: Iterable[AlertState], rules: Mapping[str, Rule], now: datetime,
                silenced: frozenset[str] = frozenset()) -> int:
        """Link new episodes to incidents and record resolutions; returns how many incidents were opened.

        An episode whose alert is `silenced` (fingerprints) waits: a silence is a maintenance window, so it pages
        nobody and opens nothing; if the alert still fires when the silence ends, the episode is linked then."""
        episodes = {episode(s): s for s in states if s.status in ("firing", "resolved") and s.firing_since
                    and at_least(s.labels.get("severity", ""), self._min)}
        if self._linked is None:
            self._load(list(episodes))
        assert self._linked is not None
        self._linked = {e: i for e, i in self._linked.items() if e in episodes}
        self._resolved &= set(self._linked)
        fresh = sorted((s for e, s in episodes.items()
                        if s.status == "firing" and e not in self._linked and s.fingerprint not in silenced),
                       key=lambda s: (s.firing_since, s.rule, s.fingerprint))
        opened = self._link(fresh, rules, now) if fresh else 0
        for key, incident in self._linked.items():
            state = episodes[key]
            if state.status == "resolved" and key not in self._resolved:
                self._desk.alert_resolved(incident, state)
                self._resolved.add(key)
        return opened

    def _load(self, episodes: list[str]) -> None:
        rows = self._desk.book.episodes(episodes)
        self._linked = {r["episode"]: r["incident"] for r in rows if r["kind"] == "alert_fired"}
        self._resolved = {r["episode"] for r in rows if r["kind"] == "alert_resolved"}

    def _link(self, fresh: list[AlertState], rules: Mapping[str, Rule], now: datetime) -> int:
        assert self._linked is not None
        keys = {episode(s): self.group_key(s, rules.get(s.rule)) for s in fresh}
        open_incidents = self._desk.book.open_for_groups(sorted(set(keys.values())))
        opened = 0
        for state in fresh:
            key = keys[episode(state)]
            incident = open_incidents.get(key)
            if incident is None:
                incident = self._desk.open_for_alert(state, rules.get(state.rule), key, now)
                open_incidents[key] = incident
                opened += 1
            else:
                self._desk.attach(incident, state)
            self._linked[episode(state)] = incident.id
        return opened
