"""Queries of the cost job: the `llm_calls` window it prices and its batch cut-off.

Times are passed as `DateTime64(3, 'UTC')` parameters (the precision of `ingested_at`).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from store.base import Store, query_df, query_rows
from store.queries.watermarks import MS_TYPE, ms

# The llm_calls columns the cost job copies and prices, in request_costs order.
PRICED_INPUT_COLUMNS = (
    "timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team", "feature", "user_id",
    "provider", "model", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens",
)


def batch_cutoff(store: Store, after: datetime, until: datetime, limit: int) -> datetime | None:
    """The `ingested_at` of the (limit+1)-th call ingested in (after, until], or None if there are fewer.

    Lets the job take at most about `limit` new calls per run when it has a backlog.
    """
    rows = query_rows(store, f"""
SELECT ingested_at FROM llm_calls
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}}
ORDER BY ingested_at
LIMIT 1 OFFSET {{limit:UInt64}}""", {"after": ms(after), "until": ms(until), "limit": limit})
    return rows[0]["ingested_at"] if rows else None


def calls_ingested(store: Store, after: datetime, until: datetime) -> pl.DataFrame:
    """The calls (deduplicated with FINAL) ingested in (after, until], with the columns pricing needs."""
    return query_df(store, f"""
SELECT {", ".join(PRICED_INPUT_COLUMNS)}
FROM llm_calls FINAL
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}}""",
                    {"after": ms(after), "until": ms(until)})
