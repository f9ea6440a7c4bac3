"""`GET /api/v1/costs/coverage`: how much of the traffic is priced, and the entries that would price the rest.

A thin wrapper: the store groups the latest cost row of each call (store/queries/coverage.py)
and the pure report folds them (pipelines/costs/coverage.py). Self-hosted providers come from
the ApiContext (their calls are priced by GPU time, so they are counted apart), and the entry
sketches read the catalog's Azure deployment names when this process has a catalog.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from client.models.coverage import CostCoverage
from pipelines.costs.coverage import coverage
from spyglass.api.common import cost_filters
from spyglass.api.context import ContextDep
from spyglass.timerange import rfc3339
from store.queries.coverage import coverage_rows
from store.queries.filters import Filters

router = APIRouter(prefix="/api/v1")


@router.get("/costs/coverage")
def cost_coverage(context: ContextDep,
                  f: Annotated[Filters, Depends(cost_filters(timedelta(days=7)))]) -> CostCoverage:
    """The share of calls and of tokens priced, by provider and model (unpriced first), with the reasons and,
    for calls no entry prices, a sketch of the catalog entry that would price them (default: the last 7 days)."""
    deployments = context.catalog_source.current().deployments if context.catalog_source else {}
    report = coverage(coverage_rows(context.store, f), context.self_hosted_providers, deployments)
    fields = {name: getattr(report, name) for name in CostCoverage.model_fields if name not in ("since", "until")}
    return CostCoverage.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until), **fields},
                                       from_attributes=True)
