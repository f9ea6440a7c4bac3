"""The incident state machine, move by move: what each allowed move does to the status and the milestones,
and that every other move is refused naming the allowed ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.incidents.lifecycle import ACTIONS, ALLOWED, STATUSES, InvalidTransition, Milestones, transition

T0 = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
M = timedelta(minutes=1)
OPENED = Milestones(started_at=T0 - 5 * M, detected_at=T0)


def test_the_full_path_sets_each_milestone_once_at_its_time():
    status, m = transition("triggered", OPENED, "ack", T0 + M)
    assert (status, m.acknowledged_at) == ("acknowledged", T0 + M)
    status, m = transition(status, m, "mitigate", T0 + 2 * M)
    assert (status, m.mitigated_at, m.acknowledged_at) == ("mitigated", T0 + 2 * M, T0 + M)
    status, m = transition(status, m, "resolve", T0 + 3 * M)
    assert (status, m.resolved_at) == ("resolved", T0 + 3 * M)
    status, m = transition(status, m, "close", T0 + 4 * M)
    assert status == "closed"
    assert m == Milestones(T0 - 5 * M, T0, T0 + M, T0 + 2 * M, T0 + 3 * M, T0 + 4 * M)


def test_triggered_may_be_resolved_directly_and_the_skipped_milestones_stay_empty():
    status, m = transition("triggered", OPENED, "resolve", T0 + M)
    assert status == "resolved"
    assert (m.acknowledged_at, m.mitigated_at, m.resolved_at) == (None, None, T0 + M)


def test_triggered_may_be_mitigated_directly():
    status, m = transition("triggered", OPENED, "mitigate", T0 + M)
    assert (status, m.acknowledged_at, m.mitigated_at) == ("mitigated", None, T0 + M)


def test_acknowledged_may_be_resolved_without_mitigation():
    _, acked = transition("triggered", OPENED, "ack", T0 + M)
    status, m = transition("acknowledged", acked, "resolve", T0 + 2 * M)
    assert (status, m.mitigated_at, m.resolved_at) == ("resolved", None, T0 + 2 * M)


def test_a_reopen_goes_back_to_acknowledged_clears_the_resolution_and_keeps_the_first_ack():
    _, acked = transition("triggered", OPENED, "ack", T0 + M)
    _, resolved = transition("acknowledged", acked, "resolve", T0 + 2 * M)
    status, m = transition("resolved", resolved, "reopen", T0 + 3 * M)
    assert (status, m.acknowledged_at, m.resolved_at) == ("acknowledged", T0 + M, None)
    status, m = transition(status, m, "resolve", T0 + 4 * M)
    assert (status, m.resolved_at) == ("resolved", T0 + 4 * M)


def test_reopening_an_incident_nobody_acknowledged_acknowledges_it_at_the_reopen():
    _, resolved = transition("triggered", OPENED, "resolve", T0 + M)
    status, m = transition("resolved", resolved, "reopen", T0 + 2 * M)
    assert (status, m.acknowledged_at) == ("acknowledged", T0 + 2 * M)


def test_a_transition_stamped_before_the_latest_milestone_takes_that_milestone_time():
    _, acked = transition("triggered", OPENED, "ack", T0 + 2 * M)
    _, m = transition("acknowledged", acked, "mitigate", T0 + M)  # another process's clock is behind
    assert m.mitigated_at == T0 + 2 * M


@pytest.mark.parametrize(("status", "action"), [(s, a) for s in STATUSES for a in ACTIONS if a not in ALLOWED[s]])
def test_every_move_not_allowed_is_refused_with_the_allowed_ones(status, action):
    with pytest.raises(InvalidTransition) as refused:
        transition(status, OPENED, action, T0 + M)
    assert refused.value.allowed == ALLOWED[status]
    assert f"cannot {action} an incident that is {status}" in str(refused.value)


def test_the_refusals_name_the_allowed_moves_and_closed_is_final():
    with pytest.raises(InvalidTransition, match=r"cannot ack an incident that is mitigated \(allowed: resolve\)"):
        transition("mitigated", OPENED, "ack", T0)
    with pytest.raises(InvalidTransition, match=r"allowed: none: a closed incident is final"):
        transition("closed", OPENED, "reopen", T0)
    with pytest.raises(InvalidTransition, match=r"allowed: close, reopen"):
        transition("resolved", OPENED, "resolve", T0)


def test_the_table_of_moves_is_the_documented_one():
    assert ALLOWED == {"triggered": ("ack", "mitigate", "resolve"), "acknowledged": ("mitigate", "resolve"),
                       "mitigated": ("resolve",), "resolved": ("close", "reopen"), "closed": ()}
