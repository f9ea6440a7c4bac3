"""`POST /api/v1/feedback`: users' feedback about LLM calls, authenticated like telemetry.

Its own router because it writes: it takes an ingest key (the key selects the project, as
for OTLP; open when no keys are configured) rather than a read key. A body is one
feedback object or a list of up to 1000; a list is all-or-nothing (one invalid item
rejects the batch with a 400 naming it, and nothing is written). Feedback belongs to a
project: the ingest key's (an item naming another project is refused), or, when ingest is
open, the project of the call it names, looked up by trace and span id (the trace id's bloom
index). The call need not be stored yet: such feedback is kept unjoined under the project it
names (else `default`), and the quality-join job joins it, moving it to its call's project,
when the call arrives. Comments are PII-redacted with the service's redaction settings
(`ApiContext.redaction`) before they are stored.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from client.models.feedback import FeedbackAccepted
from collector.normalise.feedback import feedback_projects, feedback_rows, parse_feedback
from spyglass.api.context import ContextDep
from store.queries.quality_jobs import calls_of_traces, score_times

router = APIRouter(prefix="/api/v1")


def ingest_project(request: Request, context: ContextDep) -> str | None:
    """The project the request's ingest key selects; None when ingest is open. 401 on a bad key."""
    return context.ingest_keys.project_for(request.headers.get("authorization"))


@router.post("/feedback")
def post_feedback(context: ContextDep, project: Annotated[str | None, Depends(ingest_project)],
                  body: Annotated[Any, Body()]) -> FeedbackAccepted:
    """Store feedback (trace_id, span_id, name, value and/or label, comment, user) about a call or a trace."""
    items = parse_feedback(body)
    traces = sorted({f.trace_id for f in items})
    calls = calls_of_traces(context.store, traces).sort("timestamp").iter_rows(named=True)
    chosen = feedback_projects(items, project, calls)
    projects = [p for p, _ in chosen]
    known = score_times(context.store, traces, [f.score_id(p) for f, p in zip(items, projects, strict=True)])
    rows = feedback_rows(items, projects, datetime.now(timezone.utc), known, context.redaction)
    context.store.insert_arrow("quality_scores", rows)
    return FeedbackAccepted(accepted=rows.num_rows, projects=projects, score_ids=rows.column("score_id").to_pylist(),
                            waiting=sum(not found for _, found in chosen))
