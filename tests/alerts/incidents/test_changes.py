"""Which changes an incident shows and how (pure): the affected service and models read off the incident and its
alerts, the window from a day before the start to the opening, the order that puts the suspect first, and the
suspect named only when its verdict says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.incidents.changes import affected, payloads, window
from alerts.incidents.lifecycle import Milestones
from alerts.incidents.model import Event, Incident
from alerts.incidents.timeline import change_events, describe
from store.queries.change_verdicts import ChangeScope, Verdict, VerdictedChange, suspect_first

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
H = timedelta(hours=1)


def incident(field: str = "", **labels: str) -> Incident:
    """An incident whose `service` field is `field`, with `labels`."""
    return Incident(1, "chat fails", "SEV2", "triggered", "alert", Milestones(T, T + H / 12), T, service=field,
                    labels=labels)


def fired(**labels: str) -> Event:
    return Event(f"a-{sorted(labels.items())}", "INC-1", T, "alert_fired", "spyglass", {"labels": labels})


def change(id: str, hours_before: float, verdict: str | None = None, worse: tuple[str, ...] = (),
           author: str = "", source: str = "detected") -> VerdictedChange:
    at = T - hours_before * H
    analysed = Verdict(id, at + H / 2, "canary", at, at + H / 2, verdict, 40.0, worse) if verdict else None
    return VerdictedChange(id, at, "deploy", "p", "chat", "", "service_version", "", "1.4.0", "1.5.0", source,
                           author, "", "https://ci.example/42" if author else "", at, analysed)


def test_the_affected_service_and_models_come_from_the_incident_and_its_alerts():
    alerts = [fired(model="gpt-4o", service="chat"), fired(request_model="gpt-4.1", response_model="gpt-4.1-2025")]
    assert affected(incident("chat", project="shop", model="gpt-4o"), alerts) == ChangeScope(
        "shop", "chat", ("gpt-4.1", "gpt-4.1-2025", "gpt-4o"))
    # The service field wins over the labels; without it the `service` label, then `service_name`.
    assert affected(incident("chat", service="search"), []).service == "chat"
    assert affected(incident(service_name="search"), []).service == "search"
    assert affected(incident(service="chat", service_name="search"), []).service == "chat"
    # An incident opened by hand about nothing in particular: every change.
    assert affected(incident(), [Event("n", "INC-1", T, "note", "ana", {"labels": {"model": "x"}})]) == ChangeScope()


def test_the_window_runs_from_a_day_before_the_start_to_the_opening():
    assert window(Milestones(T, T + H)) == (T - 24 * H, T + H)


def test_failed_changes_come_first_nearest_first_then_marginal_then_the_rest_newest_first():
    found = [change("pass", 1, "pass"), change("old-fail", 20, "fail"), change("unanalysed", 2),
             change("marginal", 10, "marginal"), change("near-fail", 6, "fail"),
             change("insufficient", 3, "insufficient_data")]
    assert [c.id for c in suspect_first(found)] == ["near-fail", "old-fail", "marginal", "pass", "unanalysed",
                                                    "insufficient"]


def test_the_first_change_is_the_suspect_only_when_its_verdict_is_fail_or_marginal():
    assert [p["suspect"] for p in payloads(suspect_first([change("a", 1, "marginal"), change("b", 2, "fail")]))] == [
        True, False]
    assert [p["suspect"] for p in payloads([change("a", 1, "marginal")])] == [True]
    assert [p["suspect"] for p in payloads([change("a", 1, "pass"), change("b", 2)])] == [False, False]
    assert payloads([]) == []


def test_a_change_on_the_timeline_says_what_changed_who_changed_it_and_its_verdict():
    reported = change("deploy", 2, "fail", ("latency_p95", "cost_per_request"), author="ci-bot", source="reported")
    [suspect, detected] = change_events("INC-1", suspect_first([change("snapshot", 5), reported]))
    assert (suspect.kind, suspect.at, suspect.actor, suspect.payload["position"]) == ("change", T - 2 * H, "ci-bot", 0)
    assert suspect.payload["verdict"] == {
        "verdict": "fail", "score": 40.0, "worse": ["latency_p95", "cost_per_request"], "mode": "canary",
        "run_at": "2026-11-20T10:30:00Z", "window_start": "2026-11-20T10:00:00Z",
        "window_end": "2026-11-20T10:30:00Z"}
    assert describe(suspect) == ("suspect deploy change (service=chat): 1.4.0 -> 1.5.0, reported by ci-bot; verdict "
                                 "fail, score 40.0; worse: latency_p95, cost_per_request; https://ci.example/42")
    assert (detected.actor, detected.payload["verdict"]) == ("spyglass", None)
    assert describe(detected) == ("deploy change (service=chat): 1.4.0 -> 1.5.0, detected; verdict not analysed")
