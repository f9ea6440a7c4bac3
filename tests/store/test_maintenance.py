"""Compaction merges each closed day to one part (where FINAL is free) and leaves today alone."""

from __future__ import annotations

from datetime import date

from store import query_rows
from store.maintenance import compact, partitions_to_compact

INSERT = """INSERT INTO llm_calls (timestamp, trace_id, span_id, request_model, input_tokens)
VALUES ({ts:DateTime64(9, 'UTC')}, {trace:String}, 'span', 'm', 10)"""


def _parts(store) -> dict[str, int]:
    rows = query_rows(store, "SELECT partition, count() AS n FROM system.parts WHERE active "
                             "AND database = currentDatabase() AND table = 'llm_calls' GROUP BY partition")
    return {row["partition"]: row["n"] for row in rows}


def test_closed_days_become_one_part_and_duplicates_collapse(store):
    for day in ("2026-11-19", "2026-11-20", "2026-11-21"):
        for trace in ("a", "b", "a"):  # "a" twice: a retried span
            store.command(INSERT, {"ts": f"{day} 12:00:00", "trace": trace})
    assert _parts(store) == {"2026-11-19": 3, "2026-11-20": 3, "2026-11-21": 3}
    totals = "SELECT count() AS n, sum(input_tokens) AS t FROM llm_calls FINAL"
    before = query_rows(store, totals)

    assert partitions_to_compact(store, "llm_calls", date(2026, 11, 21)) == ["20261119", "20261120"]
    assert compact(store, date(2026, 11, 21)) == 2
    assert _parts(store) == {"2026-11-19": 1, "2026-11-20": 1, "2026-11-21": 3}
    assert query_rows(store, totals) == before == [{"n": 6, "t": 60}]
    assert query_rows(store, "SELECT count() AS n FROM llm_calls WHERE toDate(timestamp) < '2026-11-21'") == [
        {"n": 4}], "the merge itself removed the duplicates of closed days"
    assert compact(store, date(2026, 11, 21)) == 0, "nothing left to do"


def test_a_closed_day_of_one_unmerged_part_is_merged_once(store):
    # One insert holding a span twice: one part, never merged, so its duplicate is still stored.
    store.command("""INSERT INTO llm_calls (timestamp, trace_id, span_id, request_model, input_tokens)
SETTINGS optimize_on_insert = 0 VALUES ('2026-11-19 12:00:00', 'a', 'span', 'm', 10),
('2026-11-19 12:00:00', 'a', 'span', 'm', 10), ('2026-11-19 13:00:00', 'b', 'span', 'm', 10)""")
    store.command(INSERT, {"ts": "2026-11-21 12:00:00", "trace": "c"})
    assert _parts(store) == {"2026-11-19": 1, "2026-11-21": 1}
    assert query_rows(store, "SELECT count() AS n FROM llm_calls WHERE toDate(timestamp) = '2026-11-19'") == [{"n": 3}]

    assert partitions_to_compact(store, "llm_calls", date(2026, 11, 21)) == ["20261119"]  # today's is left
    assert compact(store, date(2026, 11, 21)) == 1
    assert query_rows(store, "SELECT count() AS n FROM llm_calls WHERE toDate(timestamp) = '2026-11-19'") == [{"n": 2}]
    assert compact(store, date(2026, 11, 21)) == 0, "a merged single part is done"
