"""The Alerts page's pure shapes: alerts in the order to look at them, trace ids found in evidence, silences made
from labels and typed matchers that the API's parser reads back, the history as pending and firing stretches, and
deliveries per receiver."""

from __future__ import annotations

from datetime import datetime

from client.models.alerts import AlertHistory, AlertInstance, Rules, SilenceInfo
from client.models.notifications import NotificationInfo
from dashboard.figures.alerts import (
    STATE_COLORS,
    alert_rows,
    episodes,
    evidence_traces,
    history_figure,
    labels_text,
    ordered,
    receiver_rows,
    rule_rows,
    silence_matchers,
    tiles,
    title,
    typed_matchers,
)
from store.matchers import parse_matcher
from tests.helpers.wire import make

T1, T2, T3 = "2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z", "2026-11-20T10:30:00Z"
TRACE_A, TRACE_B = "a" * 32, "0123456789abcdef" * 2


def _alert(rule: str, status: str, severity: str, since: str, **fields) -> AlertInstance:
    return make(AlertInstance, rule=rule, fingerprint=rule, status=status, severity=severity, active_since=since,
                firing_since=since if status == "firing" else None, updated_at=since,
                labels={"alertname": rule, "service": "chat"}, **fields)


def test_firing_comes_first_then_severity_then_age():
    alerts = [_alert("p", "pending", "critical", T1), _alert("w", "firing", "warning", T1),
              _alert("c2", "firing", "critical", T2), _alert("c1", "firing", "critical", T1)]
    assert [a.rule for a in ordered(alerts)] == ["c1", "c2", "w", "p"]
    rows = alert_rows(alerts)
    assert [r["rule"] for r in rows] == ["c1", "c2", "w", "p"]
    assert rows[0]["labels"] == "service=chat" and rows[0]["since (UTC)"] == "2026-11-20 10:00:00"
    assert rows[0]["value"] == "–" and rows[0]["muted"] == ""
    assert title(alerts[0]) == "pending · critical · p · service=chat"


def test_a_silenced_and_inhibited_alert_says_both():
    alert = _alert("x", "firing", "info", T1, silenced_by=["s1"], inhibited_by=["f"], value=0.25)
    [row] = alert_rows([alert])
    assert (row["muted"], row["value"]) == ("silenced and inhibited", "0.25")


def test_trace_ids_are_found_under_trace_keys_at_any_depth_once():
    evidence = {"traces": [TRACE_A, TRACE_B, TRACE_A], "top": [{"trace_id": TRACE_B, "user": "u"}],
                "span_id": "b" * 32, "note": TRACE_A, "trace_id": "not-a-trace", "window": {"start": T1}}
    assert evidence_traces(evidence) == [TRACE_A, TRACE_B]
    assert evidence_traces({}) == []


def test_silence_matchers_select_exactly_the_labels_and_parse_back():
    labels = {"service": 'say "hi"\\now', "alertname": "x"}
    matchers = silence_matchers(labels)
    assert matchers[0] == 'alertname="x"'
    assert [(m.name, m.op, m.value) for m in map(parse_matcher, matchers)] == [
        ("alertname", "=", "x"), ("service", "=", 'say "hi"\\now')]
    assert all(parse_matcher(m).matches(labels) for m in matchers)


def test_typed_matchers_split_on_lines_and_commas_outside_quotes():
    text = 'alertname="a, b"\n  service=~"chat|search" , team!="ml"\n\n'
    assert typed_matchers(text) == ['alertname="a, b"', 'service=~"chat|search"', 'team!="ml"']
    assert typed_matchers("  \n") == []


def _event(fingerprint: str, at: str, from_status: str, to_status: str) -> dict:
    return {"at": at, "rule": "r", "fingerprint": fingerprint, "labels": {"alertname": "r", "service": fingerprint},
            "severity": "warning", "from_status": from_status, "to_status": to_status}


def test_history_becomes_pending_and_firing_stretches_from_the_range_start_to_its_end():
    history = make(AlertHistory, since="2026-11-20T09:00:00Z", until="2026-11-20T11:00:00Z", events=[
        _event("b", T3, "firing", "resolved"),  # firing before the range began
        _event("a", T2, "pending", "firing"), _event("a", T1, "inactive", "pending")])
    found = episodes(history)
    assert found == [
        ("r · service=b", "firing", datetime(2026, 11, 20, 9), datetime(2026, 11, 20, 10, 30)),
        ("r · service=a", "pending", datetime(2026, 11, 20, 10), datetime(2026, 11, 20, 10, 5)),
        ("r · service=a", "firing", datetime(2026, 11, 20, 10, 5), datetime(2026, 11, 20, 11))]
    fig = history_figure(history)
    assert [(t.name, t.marker.color, len(t.y)) for t in fig.data] == [
        ("firing", STATE_COLORS["firing"], 2), ("pending", STATE_COLORS["pending"], 1)]
    assert list(fig.data[0].x) == [90 * 60 * 1000, 55 * 60 * 1000]  # bar lengths in ms on the date axis


def _note(receiver: str, state: str, updated: str, **fields) -> NotificationInfo:
    return make(NotificationInfo, id=f"{receiver}{updated}", receiver=receiver, state=state, created_at=updated,
                updated_at=updated, next_attempt_at=updated, **fields)


def test_deliveries_per_receiver_count_states_and_keep_the_newest_error():
    notes = [_note("pager", "dead", T1, last_error="HTTP 500 old"), _note("pager", "dead", T2, last_error="HTTP 503"),
             _note("pager", "pending", T3), _note("ops", "delivered", T1, delivered_at=T2),
             _note("ops", "delivered", T1, delivered_at=T1)]
    assert receiver_rows(notes) == [
        {"receiver": "ops", "delivered": "2", "pending": "0", "dead": "0", "last delivered (UTC)": "2026-11-20 10:05:00",
         "last error": ""},
        {"receiver": "pager", "delivered": "0", "pending": "1", "dead": "2", "last delivered (UTC)": "–",
         "last error": "HTTP 503"}]
    silences = [make(SilenceInfo, id=s, state=s, starts_at=T1, ends_at=T2, updated_at=T1)
                for s in ("active", "expired", "active")]
    assert tiles([_alert("a", "firing", "info", T1), _alert("b", "pending", "info", T1)], silences, notes) == {
        "Firing": "1", "Pending": "1", "Active silences": "2", "Dead letters": "2"}


def test_rules_read_with_their_last_evaluation():
    rules = make(Rules, loaded_at=T1, rules=[
        {"name": "r", "severity": "critical", "kind": "sql", "for_seconds": 300,
         "last_evaluation": {"evaluated_at": T2, "error": "timeout"}},
        {"name": "s", "severity": "info", "kind": "detector cost_anomaly", "runbook": "cost-spike"}])
    assert [(r["rule"], r["for"], r["last evaluated (UTC)"], r["error"], r["runbook"]) for r in rule_rows(rules)] == [
        ("r", "5 min", "2026-11-20 10:05:00", "timeout", ""), ("s", "at once", "–", "", "cost-spike")]
    assert labels_text({"alertname": "x"}) == "(no labels)"
