"""Progress of incremental jobs (cost, heuristics, evaluations, ...): one watermark per job name.

`job_watermarks` is a ReplacingMergeTree by `updated_at`, read with FINAL. Times are
`DateTime64(3, 'UTC')` parameters, the precision of `ingested_at` columns.
"""

from __future__ import annotations

from datetime import datetime

from store.base import Store, query_rows
from store.params import MS_TYPE, time_param


def watermark(store: Store, job: str) -> datetime | None:
    """How far `job` got, or None if it never ran."""
    rows = query_rows(store, "SELECT watermark FROM job_watermarks FINAL WHERE job = {job:String}", {"job": job})
    return rows[0]["watermark"] if rows else None


def set_watermark(store: Store, job: str, value: datetime, updated_at: datetime) -> None:
    store.command(
        f"INSERT INTO job_watermarks (job, watermark, updated_at) "
        f"VALUES ({{job:String}}, {{watermark:{MS_TYPE}}}, {{updated_at:{MS_TYPE}}})",
        {"job": job, "watermark": time_param(value, 3), "updated_at": time_param(updated_at, 3)})
