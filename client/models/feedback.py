"""Feedback: what POST /api/v1/feedback stored."""

from __future__ import annotations

from pydantic import BaseModel, Field

from client.models.wire import Wire


class FeedbackAccepted(Wire):
    accepted: int
    # One per item, in order: the ingest key's project, else the project of the call the item names, else the
    # item's own `project` or 'default' (moved to the call's project when the call arrives).
    projects: list[str]
    score_ids: list[str]  # one per item, in order
    waiting: int  # items whose call is not stored (in their project) yet: joined when it arrives


class FeedbackItem(BaseModel):
    """One piece of feedback as POST /api/v1/feedback takes it: about a call (span) or a whole trace (no span)."""

    trace_id: str = Field(pattern=r"^[0-9a-fA-F]{32}$")
    span_id: str = Field("", pattern=r"^(?:[0-9a-fA-F]{16})?$")
    name: str = Field("feedback", min_length=1, max_length=200)
    value: float | None = None
    label: str = Field("", max_length=200)
    comment: str = Field("", max_length=10_000)
    user: str = Field("", max_length=200)
