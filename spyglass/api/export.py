"""Exports: FOCUS 1.2 usage rows for a period, which `spyglass export focus` writes to a file.

The CLI cannot open the store (one process owns it), so the rows come through here, as
JSON with money as decimal strings (exact) and times as RFC 3339. The period is widened
to whole hours (charge periods are hours): [floor(since), ceil(until)).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi import APIRouter

from client.models.export import FocusExport
from pipelines.costs import focus
from spyglass.api.context import StoreDep
from spyglass.api.scope import ScopeDep
from spyglass.timerange import rfc3339, time_range
from store.errors import BadInput
from store.queries import focus as q

router = APIRouter(prefix="/api/v1/export")
MAX_PERIOD = timedelta(days=366)


def hour_bounds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to whole hours."""
    floor = start.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    top = end.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return floor, top if top == end else top + timedelta(hours=1)


@router.get("/focus")
def focus_rows(store: StoreDep, scope: ScopeDep, since: str, until: str) -> FocusExport:
    """FOCUS usage rows (one per hour x resource x tag set) for the whole hours covering [since, until), of the
    key's projects."""
    projects = scope.narrow(None)
    start, end = hour_bounds(*time_range(since, until, timedelta(0)))
    if end - start > MAX_PERIOD:
        raise BadInput(f"the period is longer than {MAX_PERIOD.days} days; export it in parts")
    rows = [*focus.api_rows(q.api_usage(store, start, end, projects).to_dicts()),
            *focus.gpu_allocated_rows(q.gpu_allocated(store, start, end, projects).to_dicts()),
            *focus.gpu_idle_rows(q.gpu_idle(store, start, end, projects).to_dicts())]
    return FocusExport.model_validate({"since": rfc3339(start), "until": rfc3339(end), "columns": list(focus.SCHEMA),
                                       "rows": focus.to_json(rows)})
