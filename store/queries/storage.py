"""How much each table stores and how far back its data reaches, from ClickHouse's own bookkeeping.

`system.parts` knows every active part's rows, compressed and uncompressed bytes, and (for a table partitioned by
a time column) the part's `min_time`/`max_time`: the range of that column in the part, to the second, kept in the
part's metadata, so the oldest and newest data cost no read of the table. A table not partitioned by time has no
such range (its parts say 1970); for those `time_span` reads min/max of the time column itself, which is cheap
because such tables are the small ones. Empty parts (left for a moment after a TTL drop) are not counted.
"""

from __future__ import annotations

import pyarrow as pa

from store.base import Store, quote_identifier
from store.ddl import DDL


def table_storage(store: Store) -> pa.Table:
    """One row per MergeTree table of the database (the tables that hold rows, `_local` ones on a cluster): `name`,
    `engine_full` (its TTL and settings), `rows`, `parts`, `compressed_bytes`, `uncompressed_bytes`, and `oldest` /
    `newest` from the parts (null when no part has a time range). Largest first."""
    return store.query_arrow("""
SELECT t.name AS name, t.engine_full AS engine_full, p.part_rows AS rows, p.parts AS parts,
       p.compressed_bytes AS compressed_bytes, p.uncompressed_bytes AS uncompressed_bytes,
       p.oldest_time AS oldest, p.newest_time AS newest
FROM system.tables AS t
LEFT JOIN (
    SELECT table, sum(rows) AS part_rows, count() AS parts, sum(data_compressed_bytes) AS compressed_bytes,
           sum(data_uncompressed_bytes) AS uncompressed_bytes,
           if(countIf(min_time > toDateTime(0)) = 0, NULL,
              toDateTime64(minIf(min_time, min_time > toDateTime(0)), 0, 'UTC')) AS oldest_time,
           if(countIf(max_time > toDateTime(0)) = 0, NULL,
              toDateTime64(maxIf(max_time, max_time > toDateTime(0)), 0, 'UTC')) AS newest_time
    FROM system.parts
    WHERE active AND database = currentDatabase() AND rows > 0
    GROUP BY table) AS p ON p.table = t.name
WHERE t.database = currentDatabase() AND t.engine LIKE '%MergeTree'
ORDER BY compressed_bytes DESC, name""")


def time_span(store: Store, table: str, time_column: str) -> pa.Table:
    """One row: the oldest and newest value of `time_column` in `table` (`oldest`, `newest`, to the second), for
    tables whose parts carry no time range. Names come from our code, never from a request."""
    name = quote_identifier(DDL(store.database, store.cluster).local(table))
    column = quote_identifier(time_column)
    return store.query_arrow(f"SELECT toDateTime64(min({column}), 0, 'UTC') AS oldest, "
                             f"toDateTime64(max({column}), 0, 'UTC') AS newest FROM {name}")
