"""The outbox over a real store and real HTTP receivers on 127.0.0.1: stored before sent, retried on 503 and
429 (Retry-After honoured), dead-lettered on 400 and after the last attempt, replayed, resumed after a restart
without sending anything twice, and never stalled by a receiver that hangs."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone

import pytest

from alerts.notifiers.slack import SlackConfig
from alerts.notifiers.webhook import WebhookConfig
from alerts.outbox import Outbox, list_notifications, replay
from alerts.retry import DeliveryPolicy
from store import query_rows
from store.errors import BadInput, Conflict
from store.queries import notifications as rows
from tests.helpers.notifications import alert, notification
from tests.helpers.receivers import Answer, endpoint
from tests.helpers.wait import eventually

FAST = DeliveryPolicy(max_attempts=4, backoff_base_seconds=0.05, backoff_cap_seconds=0.2, workers_per_receiver=2,
                      timeout_seconds=2, poll_seconds=0.2)


@pytest.fixture
def outboxes(store):
    """Start outboxes on the test's store; every one is stopped at the end."""
    started: list[Outbox] = []

    def start(*receivers, policy: DeliveryPolicy = FAST) -> Outbox:
        outbox = Outbox(store, receivers, policy)
        outbox.start()
        started.append(outbox)
        return outbox

    yield start
    for outbox in started:
        outbox.stop(timeout=0.5)


def hook(name: str, url: str) -> WebhookConfig:
    return WebhookConfig(name=name, type="webhook", url=url)


def row(store, notification_id: str) -> rows.NotificationRow:
    found = rows.get(store, notification_id)
    assert found is not None, notification_id
    return found


def state_of(store, notification_id: str, state: str):
    return lambda: (found := row(store, notification_id)).state == state and found


def test_a_notification_is_stored_before_it_is_sent_then_marked_delivered(store, outboxes):
    with endpoint([Answer(hang=True)]) as receiver:
        outbox = outboxes(hook("ops", receiver.url))
        [notification_id] = outbox.enqueue([notification("ops")])
        eventually(lambda: receiver.requests, what="the request")
        held = row(store, notification_id)  # the receiver holds the request: the row is already there
        assert (held.state, held.attempts, held.receiver) == ("pending", 0, "ops")
        assert receiver.ids() == [notification_id]
        receiver.released.set()
        done = eventually(state_of(store, notification_id, "delivered"), what="delivered")
    assert done.attempts == 1 and done.delivered_at is not None and done.version == 2


def test_the_same_notification_enqueued_twice_is_stored_and_sent_once(store, outboxes):
    with endpoint() as receiver:
        outbox = outboxes(hook("ops", receiver.url))
        first = outbox.enqueue([notification("ops"), notification("ops")])
        eventually(state_of(store, first[0], "delivered"), what="delivered")
        assert outbox.enqueue([notification("ops")]) == []
        time.sleep(0.5)  # a second send would have happened by now
    assert len(first) == 1 and receiver.ids() == first
    assert query_rows(store, "SELECT count() AS n FROM notifications FINAL")[0]["n"] == 1


def test_a_503_is_retried_with_the_same_id_until_delivered(store, outboxes):
    with endpoint([Answer(503, "upstream busy"), Answer(200)]) as receiver:
        [notification_id] = outboxes(hook("ops", receiver.url)).enqueue([notification("ops")])
        done = eventually(state_of(store, notification_id, "delivered"), what="delivered")
    assert receiver.ids() == [notification_id, notification_id]
    assert receiver.requests[0].body == receiver.requests[1].body
    assert done.attempts == 2 and done.last_error == "HTTP 503: upstream busy"


def test_a_429_waits_for_its_retry_after(store, outboxes):
    with endpoint([Answer(429, "slow down", {"Retry-After": "1"}), Answer(200)]) as receiver:
        [notification_id] = outboxes(hook("ops", receiver.url)).enqueue([notification("ops")])
        eventually(state_of(store, notification_id, "delivered"), what="delivered")
    first, second = receiver.requests
    assert second.at - first.at >= 1.0  # the backoff alone would have been 0.05 s


def test_a_400_is_dead_at_once_listed_and_replayed(store, outboxes):
    with endpoint([Answer(400, "invalid_payload"), Answer(200)]) as receiver:
        [notification_id] = outboxes(hook("ops", receiver.url)).enqueue([notification("ops")])
        dead = eventually(state_of(store, notification_id, "dead"), what="dead-lettered")
        time.sleep(0.4)
        assert (dead.attempts, dead.last_error) == (1, "HTTP 400: invalid_payload")
        assert len(receiver.requests) == 1  # no retry on a 4xx
        [listed] = list_notifications(store, state="dead", receiver="ops")
        assert listed["id"] == notification_id and listed["notification"]["group_key"] == dead.group_key

        replayed = replay(store, notification_id, datetime.now(timezone.utc))
        assert replayed is not None and (replayed["state"], replayed["attempts"]) == ("pending", 0)
        done = eventually(state_of(store, notification_id, "delivered"), what="delivered after the replay")
    assert receiver.ids() == [notification_id, notification_id] and done.attempts == 1
    assert list_notifications(store, state="dead") == []


def test_after_the_last_attempt_a_notification_is_dead_lettered(store, outboxes):
    with endpoint(default=Answer(502, "bad gateway")) as receiver:
        [notification_id] = outboxes(hook("ops", receiver.url)).enqueue([notification("ops")])
        dead = eventually(state_of(store, notification_id, "dead"), what="dead-lettered")
        time.sleep(0.4)
    assert len(receiver.requests) == FAST.max_attempts
    assert dead.last_error == f"HTTP 502: bad gateway (gave up after {FAST.max_attempts} attempts)"


def test_replay_refuses_a_pending_notification_and_ignores_an_unknown_id(store):
    with endpoint([Answer(hang=True)]) as receiver:
        outbox = Outbox(store, [hook("ops", receiver.url)], FAST)
        [notification_id] = outbox.enqueue([notification("ops")])  # not started: stays pending
        with pytest.raises(Conflict, match="still pending .*only a dead or delivered notification can be replayed"):
            replay(store, notification_id, datetime.now(timezone.utc))
        outbox.stop(timeout=0)  # never started: stopping is harmless
    assert replay(store, "0" * 32, datetime.now(timezone.utc)) is None


def test_a_hanging_receiver_stalls_neither_enqueue_nor_another_receiver(store, outboxes):
    with endpoint(default=Answer(hang=True)) as stuck, endpoint() as fine:
        outbox = outboxes(hook("stuck", stuck.url), hook("fine", fine.url),
                          policy=DeliveryPolicy(workers_per_receiver=2, timeout_seconds=30, poll_seconds=0.2))
        outbox.enqueue([notification("stuck", group=f"g{i}") for i in range(4)])
        eventually(lambda: len(stuck.requests) == 2, what="both of stuck's workers held")
        started = time.monotonic()
        ids = outbox.enqueue([notification("fine", group=f"g{i}") for i in range(5)])
        assert time.monotonic() - started < 2
        for notification_id in ids:
            eventually(state_of(store, notification_id, "delivered"), timeout=5, what="fine delivered")
        assert len(stuck.requests) == 2
        status = outbox.status()["receivers"]
        assert status["stuck"]["in_flight"] == 2 and status["stuck"]["queued"] == 2
        assert status["fine"]["delivered"] == 5


def test_a_request_timeout_is_retried(store, outboxes):
    with endpoint([Answer(hang=True), Answer(200)]) as receiver:
        policy = DeliveryPolicy(backoff_base_seconds=0.05, backoff_cap_seconds=0.1, timeout_seconds=0.5,
                                poll_seconds=0.2)
        [notification_id] = outboxes(hook("ops", receiver.url), policy=policy).enqueue([notification("ops")])
        done = eventually(state_of(store, notification_id, "delivered"), what="delivered after a timeout")
    assert done.attempts == 2 and "Timeout" in done.last_error


def test_a_restart_in_the_middle_of_a_delivery_sends_nothing_else_twice(store):
    first_try_of_c = []

    def script(index, request):  # group c hangs on its first request: the outbox stops during that delivery
        if "g-c" in request.json()["groupKey"] and not first_try_of_c:
            first_try_of_c.append(index)
            return Answer(hang=True)
        return Answer(200)

    with endpoint(script) as receiver:
        before = Outbox(store, [hook("ops", receiver.url)], FAST)
        before.start()
        ids = before.enqueue([notification("ops", group=f"g-{name}") for name in "abcde"])
        eventually(lambda: len(receiver.requests) == 5, what="every notification sent once")
        others = [i for i in ids if row(store, i).group_key.find("g-c") < 0]
        for notification_id in others:
            eventually(state_of(store, notification_id, "delivered"), what="the others delivered")
        before.stop(timeout=0.2)  # the hanging delivery is abandoned, unrecorded
        [in_the_middle] = set(ids) - set(others)
        assert row(store, in_the_middle).state == "pending"

        after = Outbox(store, [hook("ops", receiver.url)], FAST)
        after.start()
        try:
            eventually(state_of(store, in_the_middle, "delivered"), what="resumed and delivered")
            time.sleep(0.5)
        finally:
            after.stop(timeout=0.5)
    sent = Counter(receiver.ids())
    assert sent == {**{i: 1 for i in others}, in_the_middle: 2}  # the receiver dedups the one repeat by webhook-id
    assert {row(store, i).state for i in ids} == {"delivered"}


def test_a_full_lane_leaves_the_rest_in_the_store_until_there_is_room(store, outboxes):
    with endpoint() as receiver:
        small = DeliveryPolicy(workers_per_receiver=1, timeout_seconds=2, poll_seconds=0.2, max_queued_per_receiver=2)
        outbox = outboxes(hook("ops", receiver.url), policy=small)
        ids = outbox.enqueue([notification("ops", group=f"g{i}") for i in range(7)])
        for notification_id in ids:
            eventually(state_of(store, notification_id, "delivered"), what="delivered")
    assert sorted(receiver.ids()) == sorted(ids)


def test_an_unknown_receiver_is_refused_and_nothing_is_written(store, outboxes):
    outbox = outboxes(hook("ops", "http://127.0.0.1:9"))
    with pytest.raises(BadInput, match="no receiver named 'pager'.*configured: ops"):
        outbox.enqueue([notification("ops"), notification("pager")])
    assert query_rows(store, "SELECT count() AS n FROM notifications")[0]["n"] == 0


def test_a_receiver_without_send_resolved_gets_only_firing_alerts(store, outboxes):
    with endpoint(default=Answer(200, "ok")) as slack:
        outbox = outboxes(SlackConfig(name="chat", type="slack", url=slack.url))
        assert outbox.enqueue([notification("chat", status="resolved")]) == []
        mixed = notification("chat", sequence=2, alerts=(alert("a"), alert("b", "resolved")))
        [notification_id] = outbox.enqueue([mixed])
        eventually(state_of(store, notification_id, "delivered"), what="delivered")
    [message] = slack.bodies()
    assert "*RESOLVED*" not in str(message) and "*FIRING*" in str(message)


def test_pending_rows_of_a_receiver_no_longer_configured_are_dead_lettered_at_start(store, outboxes):
    [notification_id] = Outbox(store, [hook("old", "http://127.0.0.1:9")], FAST).enqueue([notification("old")])
    outboxes(hook("ops", "http://127.0.0.1:9"))
    dead = eventually(state_of(store, notification_id, "dead"), what="dead-lettered")
    assert dead.last_error == "receiver 'old' is not configured" and dead.attempts == 0


def test_list_filters_and_refuses_bad_ones(store, outboxes):
    with endpoint() as receiver:
        outbox = outboxes(hook("a", receiver.url), hook("b", receiver.url))
        ids = outbox.enqueue([notification("a", group="x"), notification("a", group="y"), notification("b")])
        for notification_id in ids:
            eventually(state_of(store, notification_id, "delivered"), what="delivered")
    assert [n["receiver"] for n in list_notifications(store, receiver="a")] == ["a", "a"]
    assert len(list_notifications(store, state="delivered", limit=2)) == 2
    assert list_notifications(store, state="pending") == []
    [only] = list_notifications(store, group_key=notification("a", group="y").group_key)
    assert only["id"] == ids[1] and only["created_at"].endswith("Z")
    for bad, message in (({"state": "sent"}, "state must be one of"), ({"limit": 0}, "limit must be"),
                         ({"since": datetime(2026, 1, 2), "until": datetime(2026, 1, 1)}, "since must be before")):
        with pytest.raises(BadInput, match=message):
            list_notifications(store, **bad)


def test_status_counts_pending_and_dead_and_says_the_last_error(store, outboxes):
    with endpoint(default=Answer(404, "no such hook")) as receiver:
        outbox = outboxes(hook("ops", receiver.url))
        [notification_id] = outbox.enqueue([notification("ops")])
        eventually(state_of(store, notification_id, "dead"), what="dead-lettered")
        status = outbox.status()["receivers"]["ops"]
    assert (status["pending"], status["dead"], status["dead_lettered"]) == (0, 1, 1)
    assert status["last_error"] == "HTTP 404: no such hook" and status["type"] == "webhook"
