"""GET /api/v1/storage: per table the rows, parts and bytes of its active parts, the oldest and newest data (from
the parts' time range, or from the rows where a table is not partitioned by time), and the retention in force as
the table's definition says it; behind a read key like every read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from client.api import ApiClient, ApiError
from store import query_rows
from store.params import NS_TYPE, time_param

SAMPLE = f"INSERT INTO gpu_samples (timestamp, host_name, gpu_uuid) VALUES ({{ts:{NS_TYPE}}}, 'node', 'gpu-0')"
CHANGE = f"INSERT INTO changes (id, at, kind) VALUES ({{id:String}}, {{ts:{NS_TYPE}}}, 'deploy')"


def _second(value: datetime) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%S}.000000000Z"


def _parts(store, table: str) -> dict:
    return query_rows(store, "SELECT count() AS parts, sum(rows) AS n_rows, sum(data_compressed_bytes) AS compressed, "
                             "sum(data_uncompressed_bytes) AS uncompressed FROM system.parts WHERE active AND rows > 0 "
                             "AND database = currentDatabase() AND table = {t:String}", {"t": table})[0]


def test_tables_say_their_size_time_range_and_retention(service_factory):
    service = service_factory(retention={"raw_days": 30})
    now = datetime.now(timezone.utc).replace(microsecond=0)
    oldest, newest = now - timedelta(days=3, hours=5), now - timedelta(minutes=2)
    for ts in (newest, oldest, now - timedelta(days=2)):  # three days: three parts no merge can join
        service.store.command(SAMPLE, {"ts": time_param(ts)})
    for n, ts in enumerate((oldest, newest)):
        service.store.command(CHANGE, {"id": f"c{n}", "ts": time_param(ts)})

    with ApiClient(service.api) as api:
        body = api.storage()
    tables = {t.table: t for t in body.tables}

    samples, parts = tables["gpu_samples"], _parts(service.store, "gpu_samples")
    assert (samples.rows, samples.parts, samples.family) == (3, parts["parts"], "gpu_samples")
    assert (samples.compressed_bytes, samples.uncompressed_bytes) == (parts["compressed"], parts["uncompressed"])
    assert (samples.oldest, samples.newest, samples.time_from) == (_second(oldest), _second(newest), "parts")
    assert (samples.retention_days, samples.ttl) == (None, None), "the test service keeps GPU samples forever"

    changes = tables["changes"]  # not partitioned: its parts carry no time range, its rows do
    held = query_rows(service.store, "SELECT count() AS n, formatDateTime(max(at), '%Y-%m-%dT%H:%i:%S.000000000Z') "
                                     "AS newest FROM changes")[0]  # with the changes the changes job recorded
    assert (changes.rows, changes.time_from, changes.oldest, changes.newest) == (
        held["n"], "rows", _second(oldest), held["newest"])
    traces = tables["otel_traces"]
    assert (traces.family, traces.retention_days, traces.ttl) == ("raw", 30, "toDateTime(Timestamp) + toIntervalDay(30)")
    assert (traces.rows, traces.oldest, traces.time_from) == (0, None, None)
    queue = tables["gpu_cost_queue"]  # the GPU samples queued their hours; the queue has a TTL of its own
    assert (queue.family, queue.retention_days) == (None, 7)

    assert body.rows == sum(t.rows for t in body.tables) >= 5
    assert body.compressed_bytes == sum(t.compressed_bytes for t in body.tables)
    sizes = [t.compressed_bytes for t in body.tables]
    assert sizes == sorted(sizes, reverse=True), "largest first"


def test_storage_takes_a_read_key(service_factory):
    service = service_factory(read_keys=["reader"], admin_keys=["boss"])
    answer = httpx.get(f"{service.api}/api/v1/storage")
    assert answer.status_code == 401 and "read key" in answer.json()["error"]
    with ApiClient(service.api, api_key="reader") as api:
        assert any(t.table == "llm_calls" for t in api.storage().tables)
    with ApiClient(service.api, api_key="wrong") as api:
        try:
            api.storage()
            raise AssertionError("a key that is not ours was let in")
        except ApiError as exc:
            assert exc.status == 401
