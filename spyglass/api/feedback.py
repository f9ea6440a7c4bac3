"""`POST /api/v1/feedback`: users' feedback about LLM calls, authenticated like telemetry.

Its own router because it writes: it takes an ingest key (the key selects the project, as
for OTLP; open when no keys are configured) rather than a read key. A body is one
feedback object or a list of up to 1000; a list is all-or-nothing (one invalid item
rejects the batch with a 400 naming it, and nothing is written). The trace need not be
stored yet: feedback is kept unjoined and joined when its call arrives. Comments are
PII-redacted with the service's redaction settings (`ApiContext.redaction`) before they are stored.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from client.models.feedback import FeedbackAccepted
from collector.normalise.feedback import feedback_rows, parse_feedback
from spyglass.api.context import ContextDep
from store.errors import BadInput
from store.queries.quality_jobs import score_times

router = APIRouter(prefix="/api/v1")
DEFAULT_PROJECT = "default"


def ingest_project(request: Request, context: ContextDep) -> str | None:
    """The project the request's ingest key selects; None when ingest is open. 401 on a bad key."""
    return context.ingest_keys.project_for(request.headers.get("authorization"))


@router.post("/feedback")
def post_feedback(context: ContextDep, project: Annotated[str | None, Depends(ingest_project)],
                  body: Annotated[Any, Body()]) -> FeedbackAccepted:
    """Store feedback (trace_id, span_id, name, value and/or label, comment, user) about a call or a trace."""
    items = parse_feedback(body)
    if project is None and len({f.project for f in items}) > 1:
        raise BadInput("one request may carry feedback for one project only")
    chosen = project if project is not None else (items[0].project or DEFAULT_PROJECT)
    known = score_times(context.store, sorted({f.trace_id for f in items}), [f.score_id(chosen) for f in items])
    rows = feedback_rows(items, chosen, datetime.now(timezone.utc), known, context.redaction)
    context.store.insert_arrow("quality_scores", rows)
    return FeedbackAccepted(accepted=rows.num_rows, project=chosen, score_ids=rows.column("score_id").to_pylist())
