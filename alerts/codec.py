"""A `Notification` as the JSON the outbox stores in its `payload` column, and back.

The outbox keeps the whole notification rather than one receiver's rendering, so a retry or a replay renders
it again with the receiver's current code, and the API can show what was said. Times are RFC 3339 UTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from alerts.model import Alert, Notification
from store.params import utc


def _time(value: datetime | None) -> str | None:
    return None if value is None else utc(value).isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def encode(notification: Notification) -> str:
    alerts = [{"status": a.status, "labels": a.labels, "annotations": a.annotations, "starts_at": _time(a.starts_at),
               "ends_at": _time(a.ends_at), "value": a.value, "generator_url": a.generator_url}
              for a in notification.alerts]
    return json.dumps({
        "receiver": notification.receiver, "group_key": notification.group_key, "sequence": notification.sequence,
        "status": notification.status, "group_labels": notification.group_labels,
        "common_labels": notification.common_labels, "common_annotations": notification.common_annotations,
        "alerts": alerts, "created_at": _time(notification.created_at), "external_url": notification.external_url,
        "extra": notification.extra}, separators=(",", ":"), sort_keys=True, default=str)


def decode(text: str) -> Notification:
    data: dict[str, Any] = json.loads(text)
    alerts = tuple(Alert(status=a["status"], labels=a["labels"], annotations=a["annotations"],
                         starts_at=_parse(a["starts_at"]), ends_at=_parse(a["ends_at"]),  # type: ignore[arg-type]
                         value=a["value"], generator_url=a["generator_url"]) for a in data["alerts"])
    return Notification(receiver=data["receiver"], group_key=data["group_key"], sequence=data["sequence"],
                        status=data["status"], group_labels=data["group_labels"],
                        common_labels=data["common_labels"], common_annotations=data["common_annotations"],
                        alerts=alerts, created_at=_parse(data["created_at"]),  # type: ignore[arg-type]
                        external_url=data["external_url"], extra=data["extra"])
