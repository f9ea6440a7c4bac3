"""The outbox through the running service: dead letters listed with their last error (secrets never shown),
replayed through the API and the CLI once the receiver is fixed and sent again under the same webhook-id; a
pending notification is not replayable (409), an unknown one is 404, and replay needs the admin key."""

from __future__ import annotations

import httpx
import pytest

from client.api import ApiClient, ApiError
from tests.helpers.cli import spyglass
from tests.helpers.notifications import notification
from tests.helpers.receivers import Answer, endpoint
from tests.helpers.wait import eventually

WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ADMIN = "admin-key-for-replays"


@pytest.fixture
def outbox_service(service_factory):
    """A service with three webhooks: `ops` refuses with 400 (quoting its secret) until it is fixed, `later` is
    always busy for an hour, `fine` takes everything."""
    broken = [True]

    def ops(index, request):
        return Answer(400, f"signature did not verify with {WHSEC}") if broken[0] else Answer(200)

    with endpoint(ops) as hook, endpoint(default=Answer(503, "busy", {"Retry-After": "3600"})) as busy, \
            endpoint() as fine:
        running = service_factory(admin_keys=[ADMIN], alerts={
            "shipped_rules": False, "delivery_poll_seconds": 0.2,
            "receivers": [{"name": "ops", "type": "webhook", "url": hook.url, "secret": WHSEC},
                          {"name": "later", "type": "webhook", "url": busy.url},
                          {"name": "fine", "type": "webhook", "url": fine.url}]})
        yield running, hook, broken


def test_a_dead_letter_is_listed_then_replayed_under_the_same_id(outbox_service):
    running, hook, broken = outbox_service
    [dead_id] = running.service.outbox.enqueue([notification("ops")])
    [pending_id] = running.service.outbox.enqueue([notification("later")])
    [sent_id] = running.service.outbox.enqueue([notification("fine")])
    with ApiClient(running.api, admin_key=ADMIN) as api:
        [dead] = eventually(lambda: api.notifications(state="dead").notifications, what="the dead letter")
        assert (dead.id, dead.receiver, dead.status, dead.sequence, dead.attempts) == (dead_id, "ops", "firing", 1, 1)
        assert dead.last_error == "HTTP 400: signature did not verify with **********"
        assert dead.delivered_at is None and dead.alerts == 2
        assert dead.group_labels == {"alertname": "HighLLMErrorRate", "service": "chat-api"}
        eventually(lambda: api.notifications(state="delivered").notifications, what="the other one delivered")
        everything = httpx.get(f"{running.api}/api/v1/notifications", timeout=30)
        assert WHSEC not in everything.text and WHSEC.removeprefix("whsec_") not in everything.text
        assert {n["id"]: n["state"] for n in everything.json()["notifications"]} == {
            dead_id: "dead", pending_id: "pending", sent_id: "delivered"}
        eventually(lambda: [n.attempts for n in api.notifications(receiver="later").notifications] == [1],
                   what="the busy receiver's first attempt")

        with pytest.raises(ApiError) as still_pending:
            api.replay_notification(pending_id)
        assert still_pending.value.status == 409
        assert still_pending.value.message.startswith(f"notification {pending_id} is still pending (attempt 2 due ")
        assert still_pending.value.message.endswith("only a dead or delivered notification can be replayed")
        with pytest.raises(ApiError) as unknown:
            api.replay_notification("0" * 32)
        assert (unknown.value.status, unknown.value.message) == (404, f"no notification with id {'0' * 32}")

        broken[0] = False  # the receiver is fixed
        again = api.replay_notification(dead_id)
        assert (again.id, again.state, again.attempts, again.last_error) == (dead_id, "pending", 0, "")
        done = eventually(lambda: [n for n in api.notifications(state="delivered").notifications if n.id == dead_id],
                          what="the replay delivered")
    assert done[0].attempts == 1 and done[0].delivered_at is not None and done[0].last_error == ""
    assert hook.ids() == [dead_id, dead_id]
    assert hook.bodies()[0] == hook.bodies()[1]


def test_bad_filters_are_400(outbox_service):
    running, _, _ = outbox_service
    with ApiClient(running.api) as api:
        for call, fragment in ((lambda: api.notifications(state="lost"), "state must be one of pending, delivered"),
                               (lambda: api.notifications(since="last week"), "since: 'last week' is neither"),
                               (lambda: api.notifications(limit=0), "limit")):
            with pytest.raises(ApiError) as refused:
                call()
            assert refused.value.status == 400 and fragment in refused.value.message


def test_the_notifications_verbs_list_and_replay_with_the_admin_key(outbox_service):
    running, hook, broken = outbox_service
    [dead_id] = running.service.outbox.enqueue([notification("ops", group="search")])
    with ApiClient(running.api) as api:
        eventually(lambda: api.notifications(state="dead").notifications, what="the dead letter")
    api_url = ("--api-url", running.api)
    listed = spyglass("notifications", "list", "--state", "dead", *api_url)
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert line.startswith(f"{dead_id}  dead      ops  firing #1  {{alertname=HighLLMErrorRate,service=search}}  "
                           "2 alert(s)  attempts 1  created ")
    assert line.endswith("last error: HTTP 400: signature did not verify with **********")
    assert spyglass("notifications", "list", "--receiver", "fine", *api_url).stdout.strip() == "no notifications"

    refused = spyglass("notifications", "replay", dead_id, *api_url)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        f"spyglass: notifications replay {dead_id} failed (401): POST /api/v1/notifications/{{notification_id}}/replay "
        "changes state and needs an admin key: send 'Authorization: Bearer <admin key>'; give --admin-key or set "
        "SPYGLASS_ADMIN_KEY")
    broken[0] = False
    replayed = spyglass("notifications", "replay", dead_id, "--admin-key", ADMIN, *api_url)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip() == f"replayed {dead_id} to ops: pending, sent at the outbox's next poll"
    eventually(lambda: len(hook.requests) == 2, what="sent again")
    assert hook.ids() == [dead_id, dead_id]
    unknown = spyglass("notifications", "replay", "nope", "--admin-key", ADMIN, *api_url)
    assert unknown.returncode == 2 and unknown.stderr.strip() == \
        "spyglass: notifications replay nope failed (404): no notification with id nope"
