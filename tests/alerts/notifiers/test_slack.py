"""The Slack receiver against a local endpoint that answers as an incoming webhook does: the message's text and
blocks, resolved messages, 429 with Retry-After, a permanent 400, and the secret URL kept out of every reason."""

from __future__ import annotations

from alerts.notifiers import build
from alerts.notifiers.slack import SlackConfig, message
from tests.helpers.notifications import alert, notification
from tests.helpers.receivers import Answer, endpoint

SECRET_PATH = "/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX"


def send(url: str, sent=None):
    notifier = build(SlackConfig(name="chat", type="slack", url=url + SECRET_PATH), 5, 1)
    try:
        return notifier.send(sent or notification("chat"))
    finally:
        notifier.close()


def test_a_firing_group_is_a_header_a_section_per_alert_links_and_the_group():
    with endpoint([Answer(200, "ok")]) as slack:
        assert send(slack.url).outcome == "delivered"
    [body] = slack.bodies()
    assert slack.requests[0].path == SECRET_PATH
    assert body["text"] == "[FIRING:2] HighLLMErrorRate chat-api (critical)"
    kinds = [block["type"] for block in body["blocks"]]
    assert kinds == ["header", "section", "section", "actions", "context"]
    assert body["blocks"][0]["text"] == {"type": "plain_text", "text": "🔥 [FIRING:2] HighLLMErrorRate chat-api (critical)"}
    assert body["blocks"][1]["text"]["text"].startswith("*FIRING* Error ratio above budget on a (")
    assert [e["url"] for e in body["blocks"][3]["elements"]] == [
        "https://obs.example/runbooks/llm-errors?v=7", "https://obs.example/alerts"]
    assert notification("chat").group_key in body["blocks"][4]["elements"][0]["text"]


def test_a_resolved_group_says_so():
    body = message(notification("chat", status="resolved"))
    assert body["text"] == "[RESOLVED] HighLLMErrorRate chat-api (critical)"
    assert body["blocks"][0]["text"]["text"].startswith("✅")
    assert all("*RESOLVED*" in b["text"]["text"] for b in body["blocks"][1:3])


def test_a_large_group_stays_within_block_kit_limits():
    many = notification("chat", alerts=tuple(alert(f"host-{i}") for i in range(60)))
    body = message(many)
    assert len(body["blocks"]) <= 50 and body["blocks"][-3]["text"]["text"] == "… and 40 more"
    assert len(body["blocks"][0]["text"]["text"]) <= 150


def test_429_is_retried_after_its_delay_and_400_is_permanent_with_slacks_reason():
    with endpoint([Answer(429, "rate_limited", {"Retry-After": "30"}), Answer(400, "invalid_payload")]) as slack:
        limited, refused = send(slack.url), send(slack.url)
    assert (limited.outcome, limited.retry_after) == ("retry", 30.0)
    assert (refused.outcome, refused.detail) == ("failed", "HTTP 400: invalid_payload")


def test_the_webhook_url_never_appears_in_a_reason():
    with endpoint([Answer(404, f"no_service for {SECRET_PATH}")]) as slack:
        delivery = send(slack.url)
    assert delivery.outcome == "failed" and SECRET_PATH not in delivery.detail and "**********" in delivery.detail
    config = SlackConfig(name="chat", type="slack", url="https://hooks.slack.com" + SECRET_PATH)
    assert SECRET_PATH not in repr(config) and config.public()["url"] == "**********"
    assert config.send_resolved is False  # Alertmanager's default for Slack
