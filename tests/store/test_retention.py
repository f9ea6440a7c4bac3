"""Retention as ClickHouse TTLs on a real store: every table placed in a family or left alone on purpose, rows past
retention gone with their parts after the TTL merge while rows inside stay (and the rollups keep what their source
lost), a changed setting changes the table's definition, and applying the same settings twice alters nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from store import query_rows, ttl
from store.ddl import DDL
from store.params import NS_TYPE, time_param
from store.retention import FAMILIES, TABLES, UNMANAGED, Days, Family, shorter_rollups, table_ttls, ttl_expression
from tests.helpers.wait import eventually

DEFAULTS: dict[Family, int | None] = {"raw": 30, "gpu_samples": 30, "calls": 400, "rollups": 730, "history": None}
SAMPLE = f"INSERT INTO gpu_samples (timestamp, host_name, gpu_uuid, utilization) VALUES ({{ts:{NS_TYPE}}}, 'node', " \
         "'gpu-0', 0.5)"


def _days(**changes: int | None) -> Days:
    return {**DEFAULTS, **changes}  # type: ignore[dict-item]


def _tables(store, where: str = "") -> dict[str, dict]:
    rows = query_rows(store, "SELECT name, partition_key FROM system.tables WHERE database = currentDatabase() "
                             f"AND engine LIKE '%MergeTree'{where}")
    return {row["name"]: row for row in rows}


def _definition(store, table: str) -> str:
    return query_rows(store, f"SHOW CREATE TABLE {table}")[0]["statement"]


def _mutations(store) -> int:
    return query_rows(store, "SELECT count() AS n FROM system.mutations WHERE database = currentDatabase()")[0]["n"]


def _ttl_merged(store, table: str) -> None:
    """Wait for the MATERIALIZE TTL a MODIFY TTL starts, then force the TTL merge ClickHouse would run by itself."""
    eventually(lambda: not query_rows(store, "SELECT 1 FROM system.mutations WHERE database = currentDatabase() "
                                             "AND table = {t:String} AND NOT is_done", {"t": table}),
               what=f"the TTL of {table} materialised")
    store.command(f"OPTIMIZE TABLE {table} FINAL")


def test_every_table_is_in_a_family_or_left_alone_on_purpose(store):
    tables = _tables(store)
    assert not set(TABLES) & set(UNMANAGED)
    assert set(tables) == set(TABLES) | set(UNMANAGED), "a new table must be placed in store/retention.py"
    assert {retained.family for retained in TABLES.values()} == set(FAMILIES)


def test_each_time_column_exists_and_is_what_the_table_is_partitioned_by(store):
    tables = _tables(store)
    columns = {(row["table"], row["name"]) for row in query_rows(
        store, "SELECT table, name FROM system.columns WHERE database = currentDatabase()")}
    for table, retained in TABLES.items():
        assert (table, retained.time_column) in columns, table
        partition = tables[table]["partition_key"]
        assert not partition or retained.time_column in partition, f"{table} is partitioned by {partition}"


@pytest.mark.parametrize("ttl_first", [False, True], ids=["rows-then-ttl", "ttl-then-rows"])
def test_rows_past_retention_go_with_their_parts_and_rows_inside_stay(store, ttl_first):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    expired, kept = now - timedelta(days=40), now - timedelta(days=29)
    if ttl_first:
        ttl.apply(store, table_ttls(_days()))
    for ts in (expired, kept):
        store.command(SAMPLE, {"ts": time_param(ts)})
    if not ttl_first:
        ttl.apply(store, table_ttls(_days()))
    _ttl_merged(store, "gpu_samples")

    def seconds(sql: str) -> list[int]:
        return [row["t"] for row in query_rows(store, sql)]

    assert seconds("SELECT toUnixTimestamp(timestamp) AS t FROM gpu_samples") == [int(kept.timestamp())]
    hours = seconds("SELECT DISTINCT toUnixTimestamp(period) AS t FROM gpu_samples_1h ORDER BY t")
    assert hours == [int(ts.replace(minute=0, second=0).timestamp()) for ts in (expired, kept)], \
        "the hourly rollup keeps what its source lost"
    parts = query_rows(store, "SELECT sum(rows) AS n FROM system.parts WHERE active AND database = currentDatabase() "
                              "AND table = 'gpu_samples'")
    assert parts == [{"n": 1}], "the expired day's part is gone, not rewritten"


def test_changing_the_setting_changes_the_table(store):
    assert "TTL" not in _definition(store, "otel_logs")
    ttl.apply(store, table_ttls(_days(raw=30)))
    definition = _definition(store, "otel_logs")
    assert f"TTL {ttl_expression('Timestamp', 30)}" in definition and "ttl_only_drop_parts = 1" in definition

    altered = ttl.apply(store, table_ttls(_days(raw=7)))
    assert sorted(altered) == sorted(t for t, r in TABLES.items() if r.family == "raw")
    assert f"TTL {ttl_expression('Timestamp', 7)}" in _definition(store, "otel_logs")
    assert f"TTL {ttl_expression('timestamp', 30)}" in _definition(store, "gpu_samples"), "other families unchanged"

    ttl.apply(store, table_ttls(_days(raw=None)))
    assert "TTL" not in _definition(store, "otel_logs")
    assert ttl.read(store, ["otel_traces"])["otel_traces"].ttl is None


def test_history_is_kept_forever_by_default_and_a_ttl_can_be_given_and_taken_back(store):
    ttl.apply(store, table_ttls(_days()))
    assert all(ttl.read(store, [t])[t].ttl is None for t, r in TABLES.items() if r.family == "history")
    ttl.apply(store, table_ttls(_days(history=3650)))
    assert ttl.read(store, ["incidents"])["incidents"].days == 3650
    history = sorted(t for t, r in TABLES.items() if r.family == "history")
    assert sorted(ttl.apply(store, table_ttls(_days()))) == history
    assert ttl.read(store, ["incidents"])["incidents"].ttl is None


def test_applying_the_same_settings_again_alters_nothing(store):
    wanted = table_ttls(_days())
    assert sorted(ttl.apply(store, wanted)) == sorted(t for t, e in wanted.items() if e)
    definitions = {table: _definition(store, table) for table in wanted}
    mutations = _mutations(store)

    assert ttl.apply(store, wanted) == []
    assert ttl.changes(DDL(store.database, store.cluster), wanted, ttl.read(store, list(wanted))) == {}
    assert {table: _definition(store, table) for table in wanted} == definitions
    assert _mutations(store) == mutations, "no ALTER ran"


def test_each_family_gets_its_days_and_never_means_no_ttl():
    ttls = table_ttls(_days(calls=None))
    assert ttls["otel_traces"] == "toDateTime(Timestamp) + toIntervalDay(30)"
    assert ttls["cost_hourly"] == "toDateTime(hour) + toIntervalDay(730)"
    assert ttls["llm_calls"] is None and ttls["alert_events"] is None
    assert set(ttls) == set(TABLES)


@pytest.mark.parametrize(("changes", "short"), [
    ({}, []),
    ({"rollups": 399}, [("rollups", "calls")]),
    ({"gpu_samples": 800}, [("rollups", "gpu_samples")]),
    ({"calls": None}, [("rollups", "calls")]),
    ({"calls": None, "rollups": None}, []),
    ({"raw": 1000}, []),  # spans are no rollup's source
    ({"rollups": 400, "calls": 400, "gpu_samples": 1}, []),  # a source shorter than its rollup is the point
])
def test_a_rollup_must_keep_at_least_as_long_as_its_sources(changes, short):
    assert shorter_rollups(_days(**changes)) == short


def test_the_ttl_and_settings_are_read_from_the_engine_clause():
    parsed = ttl.parse_engine("ReplacingMergeTree(version) PARTITION BY toDate(timestamp) ORDER BY (a, b) "
                              "TTL toDateTime(timestamp) + toIntervalDay(400) SETTINGS index_granularity = 8192, "
                              "deduplicate_merge_projection_mode = 'rebuild', ttl_only_drop_parts = 1")
    assert (parsed.ttl, parsed.days) == ("toDateTime(timestamp) + toIntervalDay(400)", 400)
    assert parsed.settings == {"index_granularity": "8192", "deduplicate_merge_projection_mode": "'rebuild'",
                               "ttl_only_drop_parts": "1"}
    bare = ttl.parse_engine("MergeTree ORDER BY id SETTINGS index_granularity = 8192")
    assert (bare.ttl, bare.days) == (None, None)
    assert ttl.parse_engine("MergeTree ORDER BY q TTL toDateTime(q) + toIntervalHour(1)").days is None


def test_on_a_cluster_the_rows_table_is_altered_on_every_node():
    current = {"gpu_samples": ttl.TableTtl(None, {"index_granularity": "8192"})}
    statements = ttl.changes(DDL("db", "prod"), {"gpu_samples": ttl_expression("timestamp", 30)}, current)
    assert statements == {"gpu_samples": [
        "ALTER TABLE `gpu_samples_local` ON CLUSTER `prod` MODIFY SETTING ttl_only_drop_parts = 1, "
        "materialize_ttl_recalculate_only = 1",
        "ALTER TABLE `gpu_samples_local` ON CLUSTER `prod` MODIFY TTL toDateTime(timestamp) + toIntervalDay(30)"]}


def test_a_table_with_the_ttl_but_not_the_part_dropping_settings_gets_only_the_settings():
    expression = ttl_expression("timestamp", 30)
    current = {"gpu_samples": ttl.TableTtl(expression, {"index_granularity": "8192", "ttl_only_drop_parts": "1"}),
               "llm_calls": ttl.TableTtl(None, {"index_granularity": "8192"})}
    statements = ttl.changes(DDL("db"), {"gpu_samples": expression, "llm_calls": None}, current)
    assert statements == {"gpu_samples": [
        "ALTER TABLE `gpu_samples` MODIFY SETTING materialize_ttl_recalculate_only = 1"]}
