"""Notifications as the alert engine hands them to delivery, for the notifier and outbox tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.model import Alert, Notification

STARTED = datetime(2026, 5, 2, 14, 3, 0, tzinfo=timezone.utc)


def alert(instance: str, status: str = "firing", **labels: str) -> Alert:
    return Alert(status=status, labels={"alertname": "HighLLMErrorRate", "service": "chat-api",
                                        "severity": "critical", "instance": instance, **labels},  # type: ignore[arg-type]
                 annotations={"summary": f"Error ratio above budget on {instance}",
                              "runbook_url": "https://obs.example/runbooks/llm-errors?v=7"},
                 starts_at=STARTED, ends_at=STARTED + timedelta(minutes=20) if status == "resolved" else None,
                 value=0.21, generator_url="https://obs.example/rules/high-llm-error-rate")


def notification(receiver: str, group: str = "chat-api", status: str = "firing", sequence: int = 1,
                 alerts: tuple[Alert, ...] | None = None, **extra: object) -> Notification:
    if alerts is None:
        alerts = (alert("a", status), alert("b", status))
    return Notification(
        receiver=receiver, group_key=f'{{}}:{{alertname="HighLLMErrorRate", service="{group}"}}', sequence=sequence,
        status=status,  # type: ignore[arg-type]
        group_labels={"alertname": "HighLLMErrorRate", "service": group},
        common_labels={"alertname": "HighLLMErrorRate", "service": group, "severity": "critical"},
        common_annotations={"runbook_url": "https://obs.example/runbooks/llm-errors?v=7"},
        alerts=alerts, created_at=STARTED + timedelta(minutes=sequence), external_url="https://obs.example/alerts",
        extra=dict(extra))
