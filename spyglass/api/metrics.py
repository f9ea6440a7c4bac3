"""`GET /metrics`: Prometheus's scrape of Spyglass (spyglass/prometheus.py says what it holds).

Access is the API's rule for every read (access.py): open when no read keys are configured (the default binding
is 127.0.0.1), else a read or admin key as a bearer token, which Prometheus sends with `authorization:
{credentials: <key>}` in its scrape config. It is not open like the probes because the business gauges say
what each project spends. For the same reason a key scoped to some projects is refused (403): the exposition is
the whole service's.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from spyglass.api.context import ContextDep
from spyglass.api.scope import ScopeDep
from spyglass.prometheus import CONTENT_TYPE, exposition

router = APIRouter()


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
def metrics(context: ContextDep, scope: ScopeDep) -> Response:
    """Spyglass's own metrics (receiver, writer, queue, jobs, rule evaluations, deliveries) and the business
    gauges (today's spend and unpriced calls by project and model, firing alerts by severity)."""
    scope.require(None, "the service's metrics (every project's spend)")
    return Response(exposition(context.own_metrics, context.store), media_type=CONTENT_TYPE)
