"""`type: pagerduty`: PagerDuty Events API v2, `trigger` while the group fires and `resolve` when it is resolved.

The `dedup_key` is stable per receiver and group (SHA-256 of both, as Alertmanager hashes the group key): the
trigger and the resolve of a group name the same PagerDuty alert, and a repeated trigger (a retry, the one
duplicate a crash between send and record can cause) lands on the open alert instead of paging again.
PagerDuty answers 202; 400 is permanent, 429 and 5xx are retried. The routing key is a secret.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field

from alerts.model import Notification
from alerts.notifiers import http
from alerts.notifiers.base import Delivery, ReceiverBase, Secret
from alerts.notifiers.render import alert_line, firing, resolved, rfc3339, runbook_url, severity, title

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_SEVERITIES = ("critical", "error", "warning", "info")
_SUMMARY_CHARS = 1024


class PagerDutyConfig(ReceiverBase):
    type: Literal["pagerduty"]
    routing_key: Secret = Field(description="The integration's routing key (Events API v2): a secret.")
    url: AnyHttpUrl = Field(AnyHttpUrl(EVENTS_URL), description="The Events API v2 endpoint.")
    source: str = Field("spyglass", min_length=1, description="payload.source: where the problem is.")
    severity: Literal["critical", "error", "warning", "info"] = Field("error", description=(
        "payload.severity when the group's severity label is not one of PagerDuty's."))
    send_resolved: bool = True


def dedup_key(notification: Notification) -> str:
    return hashlib.sha256(f"{notification.receiver}\x1f{notification.group_key}".encode()).hexdigest()


def event(notification: Notification, config: PagerDutyConfig) -> dict[str, Any]:
    """The Events API v2 body for a notification."""
    body: dict[str, Any] = {"routing_key": config.routing_key.get_secret_value(), "dedup_key": dedup_key(notification),
                            "event_action": "trigger" if notification.status == "firing" else "resolve"}
    if notification.status == "resolved":
        return body
    label = severity(notification, config.severity)
    details = {"firing": [alert_line(a) for a in firing(notification)],
               "resolved": [alert_line(a) for a in resolved(notification)],
               "num_firing": len(firing(notification)), "num_resolved": len(resolved(notification)),
               "group_key": notification.group_key, "notification_id": notification.id}
    body["payload"] = {
        "summary": title(notification)[:_SUMMARY_CHARS], "source": config.source,
        "severity": label if label in _SEVERITIES else config.severity,
        "group": notification.group_labels.get("service", ""), "class": notification.common_labels.get("alertname", ""),
        "custom_details": details | dict(notification.extra)}
    if notification.alerts:
        body["payload"]["timestamp"] = rfc3339(min(a.starts_at for a in notification.alerts))
    links = [{"href": url, "text": text} for text, url in (("Runbook", runbook_url(notification)),
                                                          ("Spyglass", notification.external_url)) if url]
    body |= {"client": "Spyglass", "links": links}
    if notification.external_url:
        body["client_url"] = notification.external_url
    return body


class PagerDutyNotifier:
    def __init__(self, config: PagerDutyConfig, timeout: float, connections: int) -> None:
        self.config = config
        self._http = http.client(timeout, connections)

    def send(self, notification: Notification) -> Delivery:
        return http.post_json(self._http, str(self.config.url), event(notification, self.config),
                              secrets=self.config.secrets())

    def close(self) -> None:
        self._http.close()
