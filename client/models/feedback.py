"""Feedback: what POST /api/v1/feedback stored."""

from __future__ import annotations

from client.models.wire import Wire


class FeedbackAccepted(Wire):
    accepted: int
    # One per item, in order: the ingest key's project, else the project of the call the item names, else the
    # item's own `project` or 'default' (moved to the call's project when the call arrives).
    projects: list[str]
    score_ids: list[str]  # one per item, in order
    waiting: int  # items whose call is not stored (in their project) yet: joined when it arrives
