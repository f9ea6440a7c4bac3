"""`type: alertmanager`: hand the alerts to an Alertmanager you already run (`POST /api/v2/alerts`).

For teams whose routing, on-call and silences live in Alertmanager: it receives each alert as Prometheus would
send it and does its own grouping and notifying. Alertmanager identifies an alert by its labels, so posting
the same alert twice changes nothing: retries and replays are idempotent by construction.

Alertmanager resolves an alert by itself once its `endsAt` passes. Prometheus keeps a firing alert alive by
re-sending it every minute; Spyglass notifies on changes and on the route's repeat interval, so a firing alert
is posted with `endsAt` = the notification's time + `firing_ttl_seconds` (longer than the repeat interval), and
a resolved one with its real end. The times come from the notification, so every retry posts the same body.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import AnyHttpUrl, Field

from alerts.model import Alert, Notification
from alerts.notifiers import http
from alerts.notifiers.base import Delivery, ReceiverBase
from alerts.notifiers.render import rfc3339


class AlertmanagerConfig(ReceiverBase):
    type: Literal["alertmanager"]
    url: AnyHttpUrl = Field(description="The Alertmanager's base URL, e.g. http://alertmanager:9093.")
    firing_ttl_seconds: float = Field(24 * 3600, gt=0, description=(
        "A firing alert is posted with endsAt this far past the notification; keep it above the route's "
        "repeat interval, which refreshes it."))
    send_resolved: bool = True


class AlertmanagerNotifier:
    def __init__(self, config: AlertmanagerConfig, timeout: float, connections: int) -> None:
        self.config = config
        self._url = str(config.url).rstrip("/") + "/api/v2/alerts"
        self._http = http.client(timeout, connections)

    def send(self, notification: Notification) -> Delivery:
        horizon = notification.created_at + timedelta(seconds=self.config.firing_ttl_seconds)
        body = [_posted(alert, notification, rfc3339(horizon)) for alert in notification.alerts]
        return http.post_json(self._http, self._url, body)

    def close(self) -> None:
        self._http.close()


def _posted(alert: Alert, notification: Notification, horizon: str) -> dict:
    """One `postableAlert`: labels, annotations, times and the link back to Spyglass."""
    ends_at = rfc3339(alert.ends_at) if alert.status == "resolved" and alert.ends_at else horizon
    posted = {"labels": dict(alert.labels), "annotations": dict(alert.annotations),
              "startsAt": rfc3339(alert.starts_at), "endsAt": ends_at}
    link = alert.generator_url or notification.external_url
    return posted | ({"generatorURL": link} if link else {})  # Alertmanager refuses an empty URL
