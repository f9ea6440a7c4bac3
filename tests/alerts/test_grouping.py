"""The dispatcher: group_wait, group_interval, repeat_interval, Alertmanager's dedup table, muting, sequences."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.grouping import Candidate, GroupEntry, dispatch, needs_update
from alerts.model import Alert
from alerts.routing import RouteConfig, compile_route

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
S, M, H = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)
ROOT = compile_route(RouteConfig(receiver="team", group_wait=30 * S, group_interval=5 * M, repeat_interval=4 * H))


def firing(service: str, alertname: str = "cost-spike", **extra) -> Candidate:
    labels = {"alertname": alertname, "service": service, "severity": "warning"}
    return Candidate(Alert("firing", labels, {"summary": f"{alertname} on {service}"}, T0), **extra)


def resolved(service: str, at: datetime, alertname: str = "cost-spike") -> Candidate:
    labels = {"alertname": alertname, "service": service, "severity": "warning"}
    return Candidate(Alert("resolved", labels, {"summary": f"{alertname} on {service}"}, T0, at), resolved_at=at)


class Dispatcher:
    """Runs ticks against a notification log it keeps, as the engine does between cycles."""

    def __init__(self, root=ROOT, send_resolved=True):
        self.root, self.send_resolved, self.log = root, send_resolved, {}

    def tick(self, now, *candidates):
        out = dispatch(candidates, self.root, self.log, now, lambda receiver: self.send_resolved)
        self.log.update({e.key: e for e in out.entries})
        return out


def reasons(out) -> list[str | None]:
    return [d.reason for d in out.decisions]


def services(notification) -> list[tuple[str, str]]:
    return [(a.labels["service"], a.status) for a in notification.alerts]


def test_a_new_group_waits_group_wait_then_sends_everything_it_has():
    d = Dispatcher()
    assert d.tick(T0, firing("chat")).notifications == []
    assert d.tick(T0 + 20 * S, firing("chat"), firing("search")).notifications == []
    out = d.tick(T0 + 30 * S, firing("chat"), firing("search"))
    assert reasons(out) == ["first notification"]
    [n] = out.notifications
    assert (n.receiver, n.group_key, n.sequence, n.status) == ("team", '{}:{alertname="cost-spike"}', 1, "firing")
    assert services(n) == [("chat", "firing"), ("search", "firing")]
    assert n.group_labels == {"alertname": "cost-spike"}
    assert n.common_labels == {"alertname": "cost-spike", "severity": "warning"} and n.common_annotations == {}


def test_an_alert_resolved_within_group_wait_sends_nothing():
    d = Dispatcher()
    d.tick(T0, firing("chat"))
    out = d.tick(T0 + 30 * S, resolved("chat", T0 + 10 * S))
    assert out.notifications == [] and reasons(out) == [None]
    assert d.log[("team", '{}:{alertname="cost-spike"}')].opened_at is None  # nothing firing: closed


def test_a_new_alert_in_a_flushed_group_waits_for_the_next_group_interval():
    d = Dispatcher()
    d.tick(T0, firing("chat"))
    d.tick(T0 + 30 * S, firing("chat"))
    assert d.tick(T0 + 60 * S, firing("chat"), firing("search")).notifications == []
    assert d.tick(T0 + 30 * S + 5 * M - S, firing("chat"), firing("search")).notifications == []
    out = d.tick(T0 + 30 * S + 5 * M, firing("chat"), firing("search"))
    assert reasons(out) == ["new alerts in group"]
    assert out.notifications[0].sequence == 2 and len(out.notifications[0].alerts) == 2


def test_an_unchanged_group_repeats_after_repeat_interval_at_a_group_interval_tick():
    d = Dispatcher()
    d.tick(T0, firing("chat"))
    d.tick(T0 + 30 * S, firing("chat"))
    quiet = [d.tick(T0 + 30 * S + k * 5 * M, firing("chat")) for k in range(1, 48)]
    assert all(t.notifications == [] for t in quiet) and reasons(quiet[0]) == [None]
    out = d.tick(T0 + 30 * S + 4 * H, firing("chat"))
    assert reasons(out) == ["repeat interval elapsed"] and out.notifications[0].sequence == 2


def test_some_alerts_resolved_is_sent_when_the_receiver_sends_resolved():
    d = Dispatcher()
    d.tick(T0, firing("chat"), firing("search"))
    d.tick(T0 + 30 * S, firing("chat"), firing("search"))
    out = d.tick(T0 + 30 * S + 5 * M, firing("chat"), resolved("search", T0 + M))
    assert reasons(out) == ["some alerts resolved"]
    assert services(out.notifications[0]) == [("chat", "firing"), ("search", "resolved")]
    # The resolution went out: the next tick no longer carries the resolved alert.
    out = d.tick(T0 + 30 * S + 10 * M, firing("chat"), resolved("search", T0 + M))
    assert out.notifications == [] and reasons(out) == [None]


def test_some_alerts_resolved_is_not_sent_when_the_receiver_does_not_send_resolved():
    d = Dispatcher(send_resolved=False)
    d.tick(T0, firing("chat"), firing("search"))
    d.tick(T0 + 30 * S, firing("chat"), firing("search"))
    assert d.tick(T0 + 30 * S + 5 * M, firing("chat"), resolved("search", T0 + M)).notifications == []


@pytest.mark.parametrize("send_resolved", [True, False])
def test_all_resolved_is_always_sent_so_the_log_forgets_and_the_group_closes(send_resolved):
    d = Dispatcher(send_resolved=send_resolved)
    d.tick(T0, firing("chat"))
    d.tick(T0 + 30 * S, firing("chat"))
    out = d.tick(T0 + 30 * S + 5 * M, resolved("chat", T0 + 2 * M))
    assert reasons(out) == ["all alerts resolved"]
    [n] = out.notifications
    assert n.status == "resolved" and n.sequence == 2 and n.alerts[0].ends_at == T0 + 2 * M
    entry = d.log[("team", n.group_key)]
    assert entry.opened_at is None and entry.firing == frozenset()


def test_a_closed_group_that_gets_an_alert_again_waits_group_wait_again():
    d = Dispatcher()
    d.tick(T0, firing("chat"))
    d.tick(T0 + 30 * S, firing("chat"))
    d.tick(T0 + 30 * S + 5 * M, resolved("chat", T0 + M))
    back = T0 + H
    assert d.tick(back, firing("chat")).notifications == []
    out = d.tick(back + 30 * S, firing("chat"))
    assert reasons(out) == ["new alerts in group"] and out.notifications[0].sequence == 3


def test_muted_alerts_are_left_out_and_a_fully_muted_group_sends_and_logs_nothing():
    d = Dispatcher()
    d.tick(T0, firing("chat", muted=True))
    out = d.tick(T0 + 30 * S, firing("chat", muted=True), firing("search"))
    assert services(out.notifications[0]) == [("search", "firing")]
    d2 = Dispatcher()
    d2.tick(T0, firing("chat", muted=True))
    out = d2.tick(T0 + 30 * S, firing("chat", muted=True))
    assert out.notifications == [] and d2.log[("team", '{}:{alertname="cost-spike"}')].notified_at is None
    # The silence ends: the alert was never heard of, so it goes out at the next tick.
    out = d2.tick(T0 + 30 * S + 5 * M, firing("chat"))
    assert reasons(out) == ["first notification"]


def test_continue_sends_one_notification_per_matching_route_each_with_its_own_sequence():
    root = compile_route(RouteConfig.model_validate({
        "receiver": "team", "group_wait": "0s",
        "routes": [{"matchers": ['service="chat"'], "receiver": "pager", "continue": True},
                   {"matchers": ['severity="warning"'], "receiver": "tickets"}]}))
    d = Dispatcher(root)
    out = d.tick(T0, firing("chat"))
    assert sorted((n.receiver, n.group_key, n.sequence) for n in out.notifications) == [
        ("pager", '{}/{service="chat"}:{alertname="cost-spike"}', 1),
        ("tickets", '{}/{severity="warning"}:{alertname="cost-spike"}', 1)]


def test_a_rules_own_group_by_splits_its_alerts_into_groups():
    d = Dispatcher()
    own = ("alertname", "service")
    d.tick(T0, firing("chat", group_by=own), firing("search", group_by=own))
    out = d.tick(T0 + 30 * S, firing("chat", group_by=own), firing("search", group_by=own))
    assert sorted(n.group_key for n in out.notifications) == [
        '{}:{alertname="cost-spike",service="chat"}', '{}:{alertname="cost-spike",service="search"}']


def test_a_group_whose_alerts_left_is_closed():
    d = Dispatcher()
    d.tick(T0, firing("chat"))
    out = d.tick(T0 + 10 * S)
    assert [e.opened_at for e in out.entries] == [None]


NOTIFIED = GroupEntry("team", "k", {}, opened_at=T0, flushed_at=T0, notified_at=T0,
                      firing=frozenset({"a", "b"}), resolved=frozenset({"c"}), sequence=1)


@pytest.mark.parametrize(("entry", "firing_now", "resolved_now", "send_resolved", "later", "reason"), [
    (GroupEntry("team", "k", {}), {"a"}, set(), True, M, "first notification"),
    (GroupEntry("team", "k", {}), set(), {"a"}, True, M, None),
    (NOTIFIED, {"a", "d"}, set(), True, M, "new alerts in group"),
    (NOTIFIED, set(), {"a", "b"}, False, M, "all alerts resolved"),
    (GroupEntry("team", "k", {}, notified_at=T0), set(), {"a"}, True, M, None),
    (NOTIFIED, {"a"}, {"b", "c"}, True, M, "some alerts resolved"),
    (NOTIFIED, {"a"}, {"b", "c"}, False, M, None),
    (NOTIFIED, {"a", "b"}, {"c"}, True, 4 * H, "repeat interval elapsed"),
    (NOTIFIED, {"a", "b"}, {"c"}, True, 4 * H - S, None),
    (NOTIFIED, {"a"}, set(), True, M, None),  # fewer firing, nothing new resolved: nothing to say
])
def test_the_dedup_decision_table(entry, firing_now, resolved_now, send_resolved, later, reason):
    assert needs_update(entry, frozenset(firing_now), frozenset(resolved_now), send_resolved, 4 * H,
                        T0 + later) == reason
