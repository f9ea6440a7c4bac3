"""Compaction: merge each closed day of a ReplacingMergeTree table into one part.

Readers use FINAL so that a span delivered twice counts once. FINAL must merge-sort the
parts of a partition at read time, which is most of a query's cost while a day has
several parts; on a partition of one merged part it costs nothing. ClickHouse's background
merges leave days with several large parts for a long time, so a scheduled job finishes
the job for days that are over. Late data that lands in a closed day makes a new part,
which the next run merges. A day written by one insert (a backfill, a whole-period
reprice) is one part that was never merged: it may hold duplicates, so FINAL still
merge-reads it (for the cost rows of 10 M calls over 30 days, 0.75 s instead of 0.29 s
for a total); it is merged once too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from store.base import Store, query_rows, quote_identifier
from store.ddl import DDL

log = logging.getLogger(__name__)

# Tables whose readers use FINAL, partitioned by day.
COMPACTED_TABLES = ("llm_calls", "request_costs", "cost_hourly", "cost_slices", "cost_daily", "quality_scores",
                   "llm_calls_1m", "llm_calls_1h", "llm_calls_1d", "operations_1m", "operations_1h", "operations_1d")


def partitions_to_compact(store: Store, table: str, today: date) -> list[str]:
    """Ids of the table's daily partitions before `today` that hold more than one part, or one never merged."""
    rows = query_rows(store, """
SELECT partition_id
FROM system.parts
WHERE active AND database = currentDatabase() AND table = {table:String}
GROUP BY partition_id, partition
HAVING (count() > 1 OR max(level) = 0) AND toDate(partition) < {today:Date}
ORDER BY partition_id""", {"table": DDL(store.database, store.cluster).local(table), "today": today.isoformat()})
    return [row["partition_id"] for row in rows]


def compact(store: Store, today: date, tables: tuple[str, ...] = COMPACTED_TABLES,
            should_stop: Callable[[], bool] = lambda: False) -> int:
    """Merge every closed day of `tables` to one part; returns how many partitions were merged.

    `should_stop` is asked between partitions: a shutdown ends the run there (the next run picks up
    the partitions left)."""
    ddl, merged = DDL(store.database, store.cluster), 0
    for table in tables:
        for partition in partitions_to_compact(store, table, today):
            if should_stop():
                return merged
            store.command(f"OPTIMIZE TABLE {quote_identifier(ddl.local(table))}{ddl.on_cluster} "
                          "PARTITION ID {partition:String} FINAL",
                          {"partition": partition})
            merged += 1
            log.info("compacted table=%s partition=%s", table, partition)
    return merged
