"""The alert instance state machine, edge by edge, with the clock in the test's hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.state import AlertState, Sample, forgotten, step

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
S = timedelta(seconds=1)
FOR = timedelta(minutes=5)
LABELS = {"alertname": "cost-spike", "severity": "warning", "service": "chat"}


def seen(value: float = 3.0, **annotations: str) -> Sample:
    return Sample("cost-spike", LABELS, value, annotations, threshold=2.0, evidence={"baseline": 1.0})


def edges(transitions) -> list[tuple[str, str]]:
    return [(t.from_status, t.to_status) for t in transitions]


def test_inactive_and_not_active_stays_inactive_without_a_transition():
    assert step(None, None, T0, FOR, timedelta(0)) == (None, [])


def test_inactive_to_pending_when_active_with_a_for():
    state, moves = step(None, seen(), T0, FOR, timedelta(0))
    assert state.status == "pending" and state.active_since == T0 and state.firing_since is None
    assert state.value == 3.0 and state.threshold == 2.0 and state.evidence == {"baseline": 1.0}
    assert state.fingerprint == seen().fingerprint and state.rule == "cost-spike"
    assert edges(moves) == [("inactive", "pending")] and moves[0].at == T0 and moves[0].labels == LABELS


def test_inactive_straight_to_firing_without_a_for():
    state, moves = step(None, seen(), T0, timedelta(0), timedelta(0))
    assert state.status == "firing" and state.firing_since == T0 and state.active_since == T0
    assert edges(moves) == [("inactive", "firing")]


def test_pending_stays_pending_until_for_has_passed_then_fires_at_the_first_evaluation_after():
    state, _ = step(None, seen(), T0, FOR, timedelta(0))
    for offset in (30, 150, 299):
        state, moves = step(state, seen(4.0), T0 + offset * S, FOR, timedelta(0))
        assert state.status == "pending" and moves == [] and state.active_since == T0
    assert state.value == 4.0 and state.last_active_at == T0 + 299 * S
    state, moves = step(state, seen(5.0), T0 + FOR, FOR, timedelta(0))
    assert state.status == "firing" and state.firing_since == T0 + FOR and edges(moves) == [("pending", "firing")]
    assert moves[0].value == 5.0


def test_pending_that_stops_being_active_goes_back_to_inactive_and_the_for_clock_restarts():
    state, _ = step(None, seen(), T0, FOR, timedelta(0))
    gone, moves = step(state, None, T0 + 60 * S, FOR, timedelta(0))
    assert gone is None and edges(moves) == [("pending", "inactive")]
    again, _ = step(gone, seen(), T0 + 90 * S, FOR, timedelta(0))
    assert again.status == "pending" and again.active_since == T0 + 90 * S
    still, _ = step(again, seen(), T0 + FOR + 60 * S, FOR, timedelta(0))
    assert still.status == "pending"  # 4.5 minutes since it came back


def test_firing_stays_firing_while_active_and_tracks_value_and_annotations():
    state, _ = step(None, seen(), T0, timedelta(0), timedelta(0))
    state, moves = step(state, seen(9.0, summary="now 9"), T0 + 30 * S, timedelta(0), timedelta(0))
    assert state.status == "firing" and moves == [] and state.firing_since == T0
    assert state.value == 9.0 and state.annotations == {"summary": "now 9"} and state.last_active_at == T0 + 30 * S


def test_firing_resolves_at_the_first_evaluation_without_the_condition_when_keep_firing_for_is_zero():
    state, _ = step(None, seen(), T0, timedelta(0), timedelta(0))
    state, moves = step(state, None, T0 + 30 * S, timedelta(0), timedelta(0))
    assert state.status == "resolved" and state.resolved_at == T0 + 30 * S and edges(moves) == [("firing", "resolved")]
    assert state.firing_since == T0  # when it started firing stays known for the resolved notification


def test_keep_firing_for_holds_firing_for_that_long_after_the_first_evaluation_without_the_condition():
    keep = timedelta(minutes=10)
    state, _ = step(None, seen(), T0, timedelta(0), keep)
    for offset in (30, 300, 629):
        state, moves = step(state, None, T0 + offset * S, timedelta(0), keep)
        assert state.status == "firing" and moves == [] and state.keep_firing_since == T0 + 30 * S
    state, moves = step(state, None, T0 + 30 * S + keep, timedelta(0), keep)
    assert state.status == "resolved" and edges(moves) == [("firing", "resolved")]
    assert state.keep_firing_since is None


def test_keep_firing_for_restarts_when_the_condition_comes_back():
    keep = timedelta(minutes=10)
    state, _ = step(None, seen(), T0, timedelta(0), keep)
    state, _ = step(state, None, T0 + 300 * S, timedelta(0), keep)
    state, moves = step(state, seen(), T0 + 420 * S, timedelta(0), keep)  # back: the clock restarts
    assert state.status == "firing" and moves == [] and state.keep_firing_since is None
    state, moves = step(state, None, T0 + 450 * S, timedelta(0), keep)
    state, moves = step(state, None, T0 + 1049 * S, timedelta(0), keep)
    assert state.status == "firing"  # 9m59s since it was first missed again
    state, moves = step(state, None, T0 + 1050 * S, timedelta(0), keep)
    assert state.status == "resolved" and state.firing_since == T0


def test_resolved_that_becomes_active_again_starts_a_new_episode():
    state, _ = step(None, seen(), T0, FOR, timedelta(0))
    state, _ = step(state, seen(), T0 + FOR, FOR, timedelta(0))
    state, _ = step(state, None, T0 + FOR + 30 * S, FOR, timedelta(0))
    assert state.status == "resolved"
    state, moves = step(state, seen(), T0 + FOR + 60 * S, FOR, timedelta(0))
    assert state.status == "pending" and edges(moves) == [("resolved", "pending")]
    assert state.active_since == T0 + FOR + 60 * S and state.firing_since is None and state.resolved_at is None


def test_resolved_and_still_inactive_makes_no_transition_and_is_forgotten_after_the_retention():
    state, _ = step(None, seen(), T0, timedelta(0), timedelta(0))
    state, _ = step(state, None, T0 + 30 * S, timedelta(0), timedelta(0))
    again, moves = step(state, None, T0 + 60 * S, timedelta(0), timedelta(0))
    assert again == state and moves == []
    retention = timedelta(minutes=15)
    assert not forgotten(state, T0 + 30 * S + retention - S, retention)
    assert forgotten(state, T0 + 30 * S + retention, retention)


@pytest.mark.parametrize("status", ["pending", "firing"])
def test_a_restored_state_continues_where_it_was(status):
    """A state read back from the store (a restart) carries its timers: pending keeps its start."""
    restored = AlertState("cost-spike", seen().fingerprint, LABELS, status, active_since=T0,
                          firing_since=T0 if status == "firing" else None, last_active_at=T0 + 60 * S)
    state, moves = step(restored, seen(), T0 + FOR, FOR, timedelta(0))
    assert state.status == "firing"
    assert edges(moves) == ([("pending", "firing")] if status == "pending" else [])
