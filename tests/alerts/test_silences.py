"""Silences: pending, active, expired; what they match; what a new one must say."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.silences import expire, new_silence, silenced_by
from store.errors import BadInput

NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
H = timedelta(hours=1)
CHAT = {"alertname": "cost-spike", "service": "chat", "severity": "warning"}


def silence(matchers=('service="chat"',), start=NOW, end=NOW + H):
    return new_silence(list(matchers), start, end, "ana", "deploying a fix", NOW)


def test_a_silence_is_pending_before_its_start_active_until_its_end_then_expired():
    s = silence(start=NOW + H, end=NOW + 2 * H)
    assert [s.state(t) for t in (NOW, NOW + H, NOW + 2 * H - timedelta(seconds=1), NOW + 2 * H)] == \
        ["pending", "active", "active", "expired"]
    assert not s.mutes(CHAT, NOW) and s.mutes(CHAT, NOW + H) and not s.mutes(CHAT, NOW + 2 * H)


def test_a_silence_mutes_only_alerts_matching_all_its_matchers():
    s = silence(['service="chat"', 'alertname=~"cost-.*"'])
    assert s.mutes(CHAT, NOW)
    assert not s.mutes({**CHAT, "alertname": "gpu-idle"}, NOW)
    assert not s.mutes({"alertname": "cost-spike"}, NOW)
    assert silenced_by(CHAT, [s, silence(['service="web"'])], NOW) == [s.id]


def test_expiring_ends_it_now_and_a_second_expiry_is_refused():
    s = silence()
    gone = expire(s, NOW + timedelta(minutes=5))
    assert gone.state(NOW + timedelta(minutes=5)) == "expired" and not gone.mutes(CHAT, NOW + timedelta(minutes=6))
    assert gone.state(NOW) == "active"  # before the expiry it was active: history stays true
    with pytest.raises(BadInput, match="already expired"):
        expire(gone, NOW + timedelta(minutes=6))


def test_expiring_a_pending_silence_means_it_never_starts():
    s = expire(silence(start=NOW + H, end=NOW + 2 * H), NOW)
    assert s.state(NOW + H) == "expired"


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"matchers": []}, "at least one matcher"),
    ({"matchers": ['service=~".*"']}, "would silence everything"),
    ({"matchers": ['service!="web"']}, "would silence everything"),
    ({"matchers": ["service"]}, "silence matcher"),
    ({"end": NOW - H, "start": NOW - 2 * H}, "ends in the past"),
    ({"end": NOW, "start": NOW + H}, "before it starts"),
    ({"created_by": " "}, "author"),
    ({"comment": ""}, "comment"),
])
def test_a_bad_silence_is_refused_with_the_reason(kwargs, problem):
    args = {"matchers": ['service="chat"'], "start": NOW, "end": NOW + H, "created_by": "ana", "comment": "why"}
    args.update(kwargs)
    with pytest.raises(BadInput, match=problem):
        new_silence(args["matchers"], args["start"], args["end"], args["created_by"], args["comment"], NOW)
