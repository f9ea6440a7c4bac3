"""Re-price a period with the current catalog: after a price correction or a new catalog.

Only calls whose cost was made under another catalog version are priced again, a day at
a time, in the store (like the cost job). The new rows supersede the old ones in
`request_costs` (newer `priced_at`), the old ones stay in `request_cost_history`, and the
hours touched are re-aggregated before it returns, so the API shows the new totals at
once. Totals move only where a price changed, and every change is auditable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import polars as pl

from pipelines.costs.catalog import Catalog
from pipelines.costs.job import price_in_store
from pipelines.costs.rollup_job import roll_up
from store.base import Store
from store.errors import BadInput
from store.queries import costs as q


@dataclass(frozen=True)
class RepriceResult:
    since: datetime
    until: datetime
    catalog_version: str
    repriced: int       # calls priced again (their cost was made under another version)
    changed: int        # of which the total cost changed (or priced/unpriced flipped)
    total_before: Decimal
    total_after: Decimal

    def as_dict(self) -> dict[str, object]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "catalog_version": self.catalog_version, "repriced": self.repriced, "changed": self.changed,
                "total_before": str(self.total_before), "total_after": str(self.total_after)}


def _days(since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    out, start = [], since
    while start < until:
        end = min(datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), since.tzinfo), until)
        out.append((start, end))
        start = end
    return out


def changed_count(old: pl.DataFrame, new: pl.DataFrame) -> int:
    """Calls whose total cost differs between `old` and `new` cost rows (NULL = unpriced; absent = new)."""
    joined = new.select("trace_id", "span_id", "cost_total").join(
        old.select("trace_id", "span_id", pl.col("cost_total").alias("old")), on=["trace_id", "span_id"], how="left")
    return joined.filter(~pl.col("cost_total").eq_missing(pl.col("old"))).height


def reprice(store: Store, catalog: Catalog, since: datetime, until: datetime, now: datetime) -> RepriceResult:
    if until <= since:
        raise BadInput("reprice: --until must be after --since")
    if until > now:
        until = now
    before = q.period_total(store, since, until)
    repriced = changed = 0
    for start, end in _days(since, until):
        old = q.cost_rows_in_period(store, start, end)
        source, params = q.calls_in_period(start, end)
        counts = price_in_store(store, source, params, catalog, now)
        if not counts.rows:
            continue
        roll_up(store, list(counts.slices), now)
        repriced += counts.rows
        changed += changed_count(old, q.cost_rows_in_period(store, start, end))
    return RepriceResult(since, until, catalog.version, repriced, changed, before, q.period_total(store, since, until))
