"""Feedback: what POST /api/v1/feedback stored."""

from __future__ import annotations

from client.models.wire import Wire


class FeedbackAccepted(Wire):
    accepted: int
    project: str  # the project the ingest key selects (or the feedback's own when ingest is open)
    score_ids: list[str]  # one per item, in order
