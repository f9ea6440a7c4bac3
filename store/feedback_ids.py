"""The identity of one user's feedback about one call, shared by the feedback API and the score join.

One feedback per (project, call, name, user): its `score_id` hashes those, so a client that
re-sends replaces the earlier row. The feedback API (collector/normalise/feedback.py) computes
it when storing; the score join (pipelines/quality/score_join.py) computes it again when it
moves feedback that arrived before its call into the call's project. It is in `store/`
because the collector and the pipelines may both import only the store.
"""

from __future__ import annotations

import hashlib

SOURCE = "feedback"


def feedback_score_id(project: str, trace_id: str, span_id: str, name: str, user: str) -> str:
    """The deterministic id of one user's feedback of one name about one call (or trace) in one project."""
    key = "\x1f".join((SOURCE, project, trace_id, span_id, name, user))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
