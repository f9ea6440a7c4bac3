"""Notifications: the outbox's rows with their delivery state, and replaying a dead (or delivered) one.

Read from the store, so any API process answers. A replay writes the row back to pending (attempts reset,
same id); the scheduler's outbox reads it at its next poll and sends it again under that id
(alerts/outbox.py). With no `since`, the listing has no lower bound: a dead letter waits for a person however
old it is, and `limit` bounds the answer. A key scoped to projects sees (and replays) the notifications whose
alerts all carry a `project` label of its projects.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from alerts.outbox import list_notifications, public, replay
from client.models.notifications import NotificationInfo, Notifications
from client.models.wire import ErrorBody
from spyglass.api.context import StoreDep
from spyglass.api.scope import Scope, ScopeDep, alert_projects
from spyglass.timerange import parse_time
from store.queries import notifications as rows_

router = APIRouter(prefix="/api/v1/notifications")
MAX_LIMIT = 10_000
_REPLAY_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such notification"},
    409: {"model": ErrorBody, "description": "The notification is still pending: only a dead or delivered one can "
                                             "be replayed"}}


def _visible(row: dict[str, Any], scope: Scope) -> bool:
    return scope.allows_all(alert_projects(row["notification"]))


def info(row: dict[str, Any]) -> NotificationInfo:
    """An outbox row as `alerts.outbox.public` gives it, as the wire model (the group, not the whole content)."""
    content = row["notification"]
    return NotificationInfo.model_validate({**row, "group_labels": content["group_labels"],
                                            "alerts": len(content["alerts"])})


@router.get("")
def list_all(store: StoreDep, scope: ScopeDep, state: str | None = None, receiver: str | None = None,
             group_key: str | None = None, since: str | None = None, until: str | None = None,
             limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100) -> Notifications:
    """Notifications newest first (by creation), in one state (pending, delivered, dead), for one receiver or
    group; `since`/`until` bound their creation time (default: no bound)."""
    now = datetime.now(timezone.utc)
    start = parse_time(since, now, "since") if since else None
    end = parse_time(until, now, "until") if until else None
    # A scoped key's rows are picked from the widest page, so that `limit` counts only rows it sees.
    rows = list_notifications(store, state=state, receiver=receiver, group_key=group_key, since=start, until=end,
                              limit=limit if scope.everything else MAX_LIMIT)
    seen = [row for row in rows if _visible(row, scope)]
    return Notifications(notifications=[info(row) for row in seen[:limit]])


@router.post("/{notification_id}/replay", response_model=NotificationInfo, responses=_REPLAY_ERRORS)
def replay_one(store: StoreDep, scope: ScopeDep, notification_id: str) -> NotificationInfo | JSONResponse:
    """Send a dead or delivered notification again, under the same id: it is pending again with its attempts
    reset, and the outbox picks it up at its next poll (404 for another project's, as for an unknown id)."""
    stored = rows_.get(store, notification_id)
    visible = stored is not None and _visible(public(stored), scope)
    row = replay(store, notification_id, datetime.now(timezone.utc)) if visible else None
    if row is None:
        return JSONResponse({"error": f"no notification with id {notification_id}"}, status_code=404)
    return info(row)
