"""The outbox's next-state function, the stored form of a notification and Retry-After parsing: pure, so
checked exactly."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from alerts import codec
from alerts.notifiers.base import Delivery
from alerts.notifiers.http import parse_retry_after
from alerts.outbox import new_row
from alerts.retry import DeliveryPolicy, advance, backoff_seconds, replayed
from tests.helpers.notifications import alert, notification

NOW = datetime(2026, 5, 2, 15, 0, tzinfo=timezone.utc)
POLICY = DeliveryPolicy(max_attempts=5, backoff_base_seconds=2, backoff_cap_seconds=60)


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 1, 2), (2, 2, 4), (3, 4, 8), (5, 16, 32), (6, 30, 60),
                                                       (40, 30, 60)])
def test_backoff_doubles_with_equal_jitter_up_to_the_cap(attempts, low, high):
    assert backoff_seconds(POLICY, attempts, 0.0) == low
    assert low < backoff_seconds(POLICY, attempts, 0.5) < high
    assert backoff_seconds(POLICY, attempts, 0.999999) == pytest.approx(high, rel=1e-5)


def test_a_retry_waits_for_the_backoff_or_the_retry_after_whichever_is_longer():
    row = new_row(notification("ops"), NOW)
    retried = advance(row, Delivery.retry("HTTP 503"), NOW, POLICY, 0.0)
    assert (retried.state, retried.attempts, retried.version) == ("pending", 1, 2)
    assert retried.next_attempt_at == NOW + timedelta(seconds=1) and retried.last_error == "HTTP 503"
    throttled = advance(row, Delivery.retry("HTTP 429", retry_after=30), NOW, POLICY, 0.0)
    assert throttled.next_attempt_at == NOW + timedelta(seconds=30)
    hostile = advance(row, Delivery.retry("HTTP 429", retry_after=10**9), NOW, POLICY, 0.0)
    assert hostile.next_attempt_at == NOW + timedelta(hours=1)


def test_delivered_failed_and_the_last_attempt():
    row = new_row(notification("ops"), NOW)
    done = advance(row, Delivery.delivered("HTTP 200"), NOW, POLICY, 0.5)
    assert (done.state, done.delivered_at, done.attempts) == ("delivered", NOW, 1)
    refused = advance(row, Delivery.failed("HTTP 400: bad"), NOW, POLICY, 0.5)
    assert (refused.state, refused.last_error) == ("dead", "HTTP 400: bad")
    fourth = dataclasses.replace(row, attempts=4)
    last = advance(fourth, Delivery.retry("HTTP 503"), NOW, POLICY, 0.5)
    assert (last.state, last.last_error) == ("dead", "HTTP 503 (gave up after 5 attempts)")


def test_a_replay_is_a_new_pending_version_with_attempts_reset():
    dead = advance(new_row(notification("ops"), NOW), Delivery.failed("HTTP 400"), NOW, POLICY, 0)
    again = replayed(dead, NOW + timedelta(days=1))
    assert (again.id, again.version, again.state, again.attempts, again.last_error) == (dead.id, 3, "pending", 0, "")
    assert again.next_attempt_at == NOW + timedelta(days=1) and again.created_at == dead.created_at


def test_the_stored_form_gives_the_same_notification_back():
    sent = notification("ops", sequence=3, alerts=(alert("a"), alert("b", "resolved")), incident={"id": 7})
    back = codec.decode(codec.encode(sent))
    assert back == sent and back.id == sent.id


def test_retry_after_in_seconds_or_as_an_http_date():
    now = NOW.timestamp()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(format_datetime(NOW + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert parse_retry_after(format_datetime(NOW - timedelta(seconds=90), usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
