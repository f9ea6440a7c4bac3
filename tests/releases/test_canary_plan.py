"""Planning the canary analysis: which changes are judged, canary or before/after, and each side's window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from releases.canary import ChangeToJudge, judgeable, plan

T0 = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
DEPLOY = ChangeToJudge(id="c1", at=T0, project="p", service="chat-api", model="", dimension="service_version",
                       subject="", from_value="1.4.0", to_value="1.5.0")


def test_a_canary_compares_both_versions_over_the_same_window():
    p = plan(DEPLOY, previous_serves=True, now=T0 + 3 * HOUR, window=HOUR)
    assert (p.mode, p.by, p.baseline, p.candidate) == ("canary", "service_version", "1.4.0", "1.5.0")
    assert (p.since, p.until) == (p.baseline_since, p.baseline_until) == (T0 + 2 * HOUR, T0 + 3 * HOUR)


def test_a_full_switch_compares_with_the_same_hours_a_week_before():
    p = plan(DEPLOY, previous_serves=False, now=T0 + 3 * HOUR, window=HOUR)
    assert p.mode == "before_after"
    assert (p.baseline_since, p.baseline_until) == (T0 + 2 * HOUR - timedelta(days=7), T0 + 3 * HOUR - timedelta(days=7))


def test_the_window_never_starts_before_the_change():
    p = plan(DEPLOY, previous_serves=True, now=T0 + 10 * timedelta(minutes=1), window=HOUR)
    assert (p.since, p.until) == (T0, T0 + timedelta(minutes=10))


def test_scope_filters_follow_the_dimension():
    prompt = replace(DEPLOY, dimension="prompt_version", subject="triage", model="gpt-4o", from_value="6",
                     to_value="7")
    p = plan(prompt, True, T0 + HOUR, HOUR)
    assert (p.by, p.prompt_name, p.model) == ("prompt_version", "triage", "gpt-4o")
    model = replace(DEPLOY, dimension="model", model="gpt-4o-mini", from_value="gpt-4o", to_value="gpt-4o-mini")
    assert plan(model, True, T0 + HOUR, HOUR).model == "", "a model change compares across models"


@pytest.mark.parametrize(("change", "now", "expected"), [
    (DEPLOY, T0 + HOUR, True),
    (DEPLOY, T0 - HOUR, False),                                    # not happened yet
    (DEPLOY, T0, False),                                           # happening now: no window yet
    (DEPLOY, T0 + 25 * HOUR, False),                               # past the horizon
    (replace(DEPLOY, from_value=""), T0 + HOUR, False),            # the first version ever: nothing to compare
    (replace(DEPLOY, dimension="response_model"), T0 + HOUR, False),  # a snapshot: no column splits it
    (replace(DEPLOY, dimension=""), T0 + HOUR, False),             # a price or config change
    (replace(DEPLOY, from_value="1.5.0"), T0 + HOUR, False),       # reported with from = to
])
def test_which_changes_are_judged(change, now, expected):
    assert judgeable(change, now, horizon=24 * HOUR) is expected
