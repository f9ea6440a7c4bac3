"""What the receivers say about a notification: the Alertmanager webhook body (version 4), the title line and
one line per alert, so that a page, a Slack message and an e-mail about one group read the same.

Pure functions of the `Notification`; times in RFC 3339 UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.model import Alert, Notification
from store.params import utc

ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of a firing alert


def rfc3339(value: datetime | None) -> str:
    if value is None:
        return ZERO_TIME
    return utc(value).isoformat().replace("+00:00", "Z")


def alert_body(alert: Alert) -> dict[str, Any]:
    """One `alerts[]` item of the webhook body."""
    return {"status": alert.status, "labels": dict(alert.labels), "annotations": dict(alert.annotations),
            "startsAt": rfc3339(alert.starts_at), "endsAt": rfc3339(alert.ends_at),
            "generatorURL": alert.generator_url, "fingerprint": alert.fingerprint}


def webhook_body(notification: Notification, max_alerts: int = 0) -> dict[str, Any]:
    """Alertmanager's webhook payload, version 4, plus the notification's additive `x_` fields.

    `max_alerts` > 0 keeps that many alerts and counts the rest in `truncatedAlerts`, as Alertmanager does.
    """
    alerts = list(notification.alerts)
    kept = alerts[:max_alerts] if max_alerts > 0 else alerts
    body: dict[str, Any] = {
        "version": "4", "groupKey": notification.group_key, "truncatedAlerts": len(alerts) - len(kept),
        "status": notification.status, "receiver": notification.receiver,
        "groupLabels": dict(notification.group_labels), "commonLabels": dict(notification.common_labels),
        "commonAnnotations": dict(notification.common_annotations), "externalURL": notification.external_url,
        "alerts": [alert_body(alert) for alert in kept],
    }
    body.update({key if key.startswith("x_") else f"x_{key}": value for key, value in notification.extra.items()})
    return body


def firing(notification: Notification) -> list[Alert]:
    return [alert for alert in notification.alerts if alert.status == "firing"]


def resolved(notification: Notification) -> list[Alert]:
    return [alert for alert in notification.alerts if alert.status == "resolved"]


def title(notification: Notification) -> str:
    """Alertmanager's default title: `[FIRING:2] HighErrorRate chat-api (prod critical)`: the status (and how
    many fire), the group labels' values, then the other common labels' values."""
    head = f"[{notification.status.upper()}" + (
        f":{len(firing(notification))}]" if notification.status == "firing" else "]")
    group = " ".join(notification.group_labels[k] for k in sorted(notification.group_labels))
    rest = [notification.common_labels[k] for k in sorted(notification.common_labels)
            if k not in notification.group_labels]
    return " ".join(part for part in (head, group, f"({' '.join(rest)})" if rest else "") if part)


def summary(alert: Alert) -> str:
    """What an alert is about, in one line: its summary, else its description, else its name."""
    text = alert.annotations.get("summary") or alert.annotations.get("description") or alert.labels.get(
        "alertname", alert.fingerprint)
    return " ".join(text.split())


def alert_line(alert: Alert) -> str:
    """`summary (label=value, ...) since <time>`."""
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()) if k != "alertname")
    when = f"since {rfc3339(alert.starts_at)}" if alert.status == "firing" else f"resolved {rfc3339(alert.ends_at)}"
    return f"{summary(alert)} ({labels}) {when}" if labels else f"{summary(alert)} {when}"


def severity(notification: Notification, default: str) -> str:
    """The group's severity label (common to all its alerts), else `default`."""
    return notification.common_labels.get("severity", default)


def runbook_url(notification: Notification) -> str:
    """The runbook link of the group, when its alerts share one."""
    return notification.common_annotations.get("runbook_url", "")
