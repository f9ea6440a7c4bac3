"""The changes of a scope and window with their current verdict, read from a real store: the window's edges, the
scope's service, models and project, a change recorded again (its newest row wins), several analysis runs of one
change (the latest wins), and the order that puts the suspect first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from store.queries.change_verdicts import ChangeScope, changes_in_window, latest_verdicts
from tests.helpers.change_rows import insert_change, insert_verdict

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
H = timedelta(hours=1)
SINCE, UNTIL = T - 24 * H, T


def ids(store, scope=ChangeScope(project="p", service="chat", models=("gpt-4o",))):
    return [c.id for c in changes_in_window(store, scope, SINCE, UNTIL)]


def test_only_the_scopes_changes_inside_the_window_are_read(store):
    insert_change(store, "deploy", T - 2 * H, service="chat", to_value="1.5.0")
    insert_change(store, "model-switch", T - 3 * H, kind="model", service="chat", model="gpt-4.1")
    insert_change(store, "at-the-edges", SINCE, service="chat")
    insert_change(store, "at-the-end", UNTIL, service="chat")
    insert_change(store, "too-early", SINCE - timedelta(seconds=1), service="chat")
    insert_change(store, "too-late", UNTIL + timedelta(seconds=1), service="chat")
    insert_change(store, "other-service", T - H, service="search")
    insert_change(store, "other-service-same-model", T - H, kind="provider", service="search", model="gpt-4o")
    insert_change(store, "other-project", T - H, service="chat", project="q")
    insert_change(store, "price-of-the-model", T - 4 * H, kind="price", model="gpt-4o", from_value="v1")
    insert_change(store, "price-of-another-model", T - 4 * H, kind="price", model="claude-sonnet-4", from_value="v1")
    insert_change(store, "fleet-wide", T - 5 * H, kind="config", project="", from_value="off")
    # The first price catalog a store sees (fleet-wide, from nothing) is the install, not a change.
    insert_change(store, "first-catalog", T - 6 * H, kind="price", project="", to_value="v1")
    assert ids(store) == ["at-the-end", "deploy", "model-switch", "price-of-the-model", "fleet-wide",
                          "at-the-edges"]
    # No service named: every service's changes of the models, and the fleet-wide ones.
    assert ids(store, ChangeScope("p", "", ("gpt-4o",))) == ["other-service-same-model", "price-of-the-model",
                                                              "fleet-wide"]
    # Nothing named: every change of the window.
    assert len(ids(store, ChangeScope())) == 10


def test_a_change_recorded_again_reads_as_its_newest_row(store):
    insert_change(store, "deploy", T - 2 * H, service="chat", to_value="1.5.0", recorded_at=T - 2 * H)
    insert_change(store, "deploy", T - 2 * H, service="chat", to_value="1.5.1", author="ci",
                  recorded_at=T - H)
    [change] = changes_in_window(store, ChangeScope("p", "chat"), SINCE, UNTIL)
    assert (change.id, change.to_value, change.author, change.verdict) == ("deploy", "1.5.1", "ci", None)


def test_the_latest_analysis_run_is_the_verdict(store):
    insert_change(store, "deploy", T - 2 * H, service="chat")
    insert_verdict(store, "deploy", T - 90 * timedelta(minutes=1), "insufficient_data")
    insert_verdict(store, "deploy", T - H, "fail", 12.5, ("latency_p95", "cost_per_request"))
    insert_verdict(store, "deploy", T - 80 * timedelta(minutes=1), "pass", 97.0)
    insert_verdict(store, "other", T, "pass", 100.0)
    [change] = changes_in_window(store, ChangeScope("p", "chat"), SINCE, UNTIL)
    assert change.verdict is not None
    assert (change.verdict.verdict, change.verdict.score, change.verdict.worse, change.verdict.run_at) == (
        "fail", 12.5, ("latency_p95", "cost_per_request"), T - H)
    found = latest_verdicts(store, ["deploy", "other", "never-analysed"])
    assert {k: v.verdict for k, v in found.items()} == {"deploy": "fail", "other": "pass"}
    assert latest_verdicts(store, []) == {}


def test_a_failed_change_comes_first_then_a_marginal_one_then_the_rest_newest_first(store):
    for name, hours, verdict in (("old-fail", 20, "fail"), ("near-fail", 6, "fail"), ("marginal", 10, "marginal"),
                                 ("pass", 1, "pass"), ("unanalysed", 2, None), ("insufficient", 3,
                                                                                "insufficient_data")):
        insert_change(store, name, T - hours * H, service="chat")
        if verdict:
            insert_verdict(store, name, T - hours * H + timedelta(minutes=30), verdict)
    assert ids(store) == ["near-fail", "old-fail", "marginal", "pass", "unanalysed", "insufficient"]


def test_a_change_dated_to_the_nanosecond_reads_back_to_the_microsecond(store):
    """The changes job dates a change at its first call's nanosecond; reading it must not refuse the sub-microsecond."""
    store.command("INSERT INTO changes (id, at, kind, project, service, from_value, to_value, source, recorded_at) "
                  "VALUES ('ns', {at:DateTime64(9, 'UTC')}, 'deploy', 'p', 'chat', '1.4.0', '1.5.0', 'detected', "
                  "now64(3))", {"at": "2026-11-20 10:00:00.123456789"})
    [change] = changes_in_window(store, ChangeScope(project="p", service="chat"), SINCE, UNTIL)
    assert change.at == datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=timezone.utc)
