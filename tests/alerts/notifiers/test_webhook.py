"""The webhook receiver: Alertmanager's version 4 body, Standard Webhooks headers whose signature the
`standardwebhooks` library verifies, and the retry classification of real answers."""

from __future__ import annotations

import base64
import socket

import pytest
from pydantic import ValidationError
from standardwebhooks import Webhook, WebhookVerificationError

from alerts.notifiers import build
from alerts.notifiers.render import alert_body
from alerts.notifiers.webhook import WebhookConfig
from tests.helpers.notifications import STARTED, alert, notification
from tests.helpers.receivers import Answer, endpoint

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def send(url: str, secret: str | None = None, timeout: float = 5, **config):
    notifier = build(WebhookConfig(name="ops", type="webhook", url=url, secret=secret, **config), timeout, 1)
    try:
        return notifier.send(notification("ops", incident_id="INC-7"))
    finally:
        notifier.close()


def test_the_body_is_alertmanager_webhook_version_4():
    with endpoint() as receiver:
        assert send(receiver.url).outcome == "delivered"
    [body] = receiver.bodies()
    sent = notification("ops")
    assert body == {
        "version": "4", "groupKey": sent.group_key, "truncatedAlerts": 0, "status": "firing", "receiver": "ops",
        "groupLabels": sent.group_labels, "commonLabels": sent.common_labels,
        "commonAnnotations": sent.common_annotations, "externalURL": "https://obs.example/alerts",
        "alerts": [{"status": "firing", "labels": a.labels, "annotations": a.annotations,
                    "startsAt": "2026-05-02T14:03:00Z", "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": a.generator_url, "fingerprint": a.fingerprint} for a in sent.alerts],
        "x_incident_id": "INC-7",
    }
    assert receiver.requests[0].headers["Content-Type"] == "application/json"


def test_a_resolved_alert_carries_its_end():
    body = alert_body(alert("a", "resolved"))
    assert body["status"] == "resolved" and body["endsAt"] == "2026-05-02T14:23:00Z"
    assert body["startsAt"] == STARTED.isoformat().replace("+00:00", "Z")


def test_the_signature_verifies_with_the_standard_webhooks_library():
    with endpoint() as receiver:
        send(receiver.url, SECRET)
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["webhook-id"] == notification("ops").id
    assert Webhook(SECRET).verify(request.body, headers)["groupKey"] == notification("ops").group_key
    other = "whsec_" + base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(request.body.replace(b"firing", b"resolved"), headers)


def test_without_a_secret_there_is_an_id_and_a_timestamp_but_no_signature():
    with endpoint() as receiver:
        send(receiver.url)
    headers = {k.lower() for k in receiver.requests[0].headers}
    assert {"webhook-id", "webhook-timestamp"} <= headers and "webhook-signature" not in headers


def test_max_alerts_truncates_and_counts_the_rest():
    with endpoint() as receiver:
        send(receiver.url, max_alerts=1)
    [body] = receiver.bodies()
    assert len(body["alerts"]) == 1 and body["truncatedAlerts"] == 1


@pytest.mark.parametrize(("answer", "outcome", "detail"), [
    (Answer(204), "delivered", "HTTP 204"),
    (Answer(503, "busy"), "retry", "HTTP 503: busy"),
    (Answer(429, "", {"Retry-After": "7"}), "retry", "HTTP 429"),
    (Answer(400, "bad\nbody"), "failed", "HTTP 400: bad body"),
    (Answer(410, "gone"), "failed", "HTTP 410: gone"),
    (Answer(302, "", {"Location": "http://127.0.0.1:9/elsewhere"}), "failed", "HTTP 302"),
])
def test_answers_are_classified_as_the_retry_matrix_says(answer, outcome, detail):
    with endpoint([answer]) as receiver:
        delivery = send(receiver.url)
    assert (delivery.outcome, delivery.detail) == (outcome, detail)
    assert delivery.retry_after == (7.0 if answer.status == 429 else None)
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_a_refused_connection_is_worth_a_retry():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        delivery = send(f"http://127.0.0.1:{port}/hook")
    assert delivery.outcome == "retry" and "ConnectError" in delivery.detail


@pytest.mark.parametrize(("secret", "message"), [
    ("s3cr3t", "whsec_ followed by base64"),
    ("whsec_***not-base64***", "not valid base64"),
    ("whsec_" + base64.b64encode(b"short").decode(), "decodes to 5 bytes"),
])
def test_a_malformed_secret_is_refused_without_quoting_it(secret, message):
    with pytest.raises(ValidationError) as error:
        WebhookConfig(name="ops", type="webhook", url="http://127.0.0.1:9", secret=secret)
    [problem] = error.value.errors()
    assert message in problem["msg"] and secret not in problem["msg"]  # what the settings loader prints


def test_the_secret_is_masked_in_repr_and_public_view():
    config = WebhookConfig(name="ops", type="webhook", url="http://127.0.0.1:9", secret=SECRET)
    assert SECRET not in repr(config) and SECRET not in str(config.public())
    assert config.public()["secret"] == "**********" and config.secrets() == [SECRET]
