"""Send users' feedback the way an application does: POST /api/v1/feedback through the typed client.

Feedback goes after its traces are flushed (the API also accepts it before, and joins it later), in
requests of at most the API's 1000 items. The API stamps feedback with the time it arrives, so the
backfill's feedback is dated when the demo starts, not when its call happened.
"""

from __future__ import annotations

from collections.abc import Sequence

from client.api import ApiClient
from client.models.feedback import FeedbackItem

MAX_BATCH = 1000


class FeedbackSender:
    def __init__(self, api: ApiClient, ingest_key: str | None = None) -> None:
        self.api = api
        self.ingest_key = ingest_key
        self.sent = 0

    def send(self, items: Sequence[FeedbackItem]) -> None:
        for start in range(0, len(items), MAX_BATCH):
            answer = self.api.send_feedback(list(items[start:start + MAX_BATCH]), self.ingest_key)
            self.sent += answer.accepted
