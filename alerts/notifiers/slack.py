"""`type: slack`: a message to a Slack incoming webhook, as text (the notification and fallback line) and Block
Kit blocks (a header, a section per alert, links, and a context line naming the group).

Slack answers 200 `ok`; its other answers are permanent errors in plain text (`invalid_payload`,
`channel_not_found`), except 429, whose Retry-After is honoured. Incoming webhooks take no idempotency key,
so the one duplicate a crash between send and record can cause shows in the channel. The webhook URL is
the credential: it is a secret. `send_resolved` defaults to false, as in Alertmanager.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from alerts.model import Notification
from alerts.notifiers import http
from alerts.notifiers.base import Delivery, ReceiverBase, Secret
from alerts.notifiers.render import alert_line, firing, resolved, runbook_url, severity, title

# Block Kit limits: 50 blocks a message, 150 characters of header text, 3000 of section text.
_MAX_ALERT_SECTIONS = 20
_HEADER_CHARS, _SECTION_CHARS = 150, 3000


class SlackConfig(ReceiverBase):
    type: Literal["slack"]
    url: Secret = Field(description="The incoming webhook URL (https://hooks.slack.com/services/...): a secret.")
    send_resolved: bool = False

    @model_validator(mode="after")
    def _http_url(self) -> SlackConfig:
        # Checked on the model, not the field, so that an error never quotes the secret URL back.
        if not self.url.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("url: the Slack webhook URL must start with https:// (or http://)")
        return self


def message(notification: Notification) -> dict[str, Any]:
    """The Slack message for a notification."""
    head = title(notification)
    icon = "🔥" if notification.status == "firing" else "✅"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(f"{icon} {head}", _HEADER_CHARS)}}]
    shown = (firing(notification) + resolved(notification))[:_MAX_ALERT_SECTIONS]
    for alert in shown:
        mark = "*FIRING*" if alert.status == "firing" else "*RESOLVED*"
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _cut(f"{mark} {alert_line(alert)}", _SECTION_CHARS)}})
    if len(notification.alerts) > len(shown):
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": f"… and {len(notification.alerts) - len(shown)} more"}})
    links = [(text, url) for text, url in (("Runbook", runbook_url(notification)),
                                            ("Open in Spyglass", notification.external_url)) if url]
    if links:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": text}, "url": url} for text, url in links]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(
        f"severity {severity(notification, 'none')} • group `{notification.group_key}`", _SECTION_CHARS)}]})
    return {"text": head, "blocks": blocks}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class SlackNotifier:
    def __init__(self, config: SlackConfig, timeout: float, connections: int) -> None:
        self.config = config
        self._http = http.client(timeout, connections)

    def send(self, notification: Notification) -> Delivery:
        return http.post_json(self._http, self.config.url.get_secret_value(), message(notification),
                              secrets=self.config.secrets())

    def close(self) -> None:
        self._http.close()
