"""Codecs measured on a realistic mix (issue 19 §2, bench/storage.py; figures in docs/benchmarks.md "Storage").

Only codecs change, never a type: existing parts stay as written and are recompressed as they merge (the daily
compaction rewrites closed days), and every value reads back the same.

- `otel_traces`' attribute maps, the largest columns of the table, take ZSTD(3) instead of ZSTD(1): span attributes
  9 % and resource attributes a quarter smaller at the same insert time (ZSTD(6) would save 15 % more of the span
  attributes but doubled their compression time, paid again at every merge, on the ingest path's cores);
- ingestion and pricing times (`ingested_at`, `priced_at`) are not in sort order (rows sort by span time), so
  delta coding only spread them: plain ZSTD(1) is 28 % (ingested_at) and 26 % (priced_at) smaller;
- user and session ids, which repeat across a part without being adjacent, take ZSTD(3): 9-12 % smaller, same cost.

What stays: the random ids (trace, span, parent, response: 43 of llm_calls' ~64 bytes per call) are incompressible
whatever the codec (ZSTD(1) was the best tried; LZ4 doubles them), and the cost amounts keep LZ4 (migration 11).
"""

from store.ddl import DDL

NAME = "storage codecs"

CODECS: dict[str, dict[str, str]] = {
    "otel_traces": {"SpanAttributes": "ZSTD(3)", "ResourceAttributes": "ZSTD(3)"},
    "llm_calls": {"ingested_at": "ZSTD(1)", "user_id": "ZSTD(3)", "session_id": "ZSTD(3)"},
    "request_costs": {"ingested_at": "ZSTD(1)", "priced_at": "ZSTD(1)", "user_id": "ZSTD(3)"},
}


def statements(ddl: DDL) -> list[str]:
    return [statement for table, columns in CODECS.items() for column, codec in columns.items()
            for statement in ddl.modify_codec(table, column, codec)]
