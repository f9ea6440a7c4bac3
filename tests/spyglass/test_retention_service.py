"""The service applies `retention:` when its scheduler starts: every table under retention gets its family's TTL,
a start with the same settings alters nothing, a start with changed settings alters exactly the tables whose
family changed, and a refused configuration leaves the tables of an existing store as they were."""

from __future__ import annotations

import os

import httpx

from client.api import ApiClient
from spyglass.config.retention import RetentionSettings
from store import ttl
from store.retention import TABLES
from tests.helpers.cli import spyglass
from tests.helpers.service_process import ServiceProcess

DEFAULT = RetentionSettings().model_dump()
WANTED = RetentionSettings().table_ttls()


def _family(*families: str) -> list[str]:
    return sorted(table for table, retained in TABLES.items() if retained.family in families)


def test_the_scheduler_applies_retention_at_start_and_then_only_what_changed(service_factory):
    first = service_factory(retention=DEFAULT)
    assert sorted(first.service.retention_altered) == sorted(t for t, e in WANTED.items() if e)
    assert {table: held.ttl for table, held in ttl.read(first.store, list(WANTED)).items()} == WANTED
    assert httpx.get(f"{first.api}/readyz").json()["retention_altered_at_start"] == first.service.retention_altered
    first.stop()

    where = {"database": first.settings.database, "clickhouse_url": first.settings.clickhouse_url}
    same = service_factory(retention=DEFAULT, **where)
    assert same.service.retention_altered == []
    same.stop()

    changed = service_factory(retention={**DEFAULT, "raw_days": 7, "history_days": 3650}, **where)
    assert sorted(changed.service.retention_altered) == _family("raw", "history")
    held = ttl.read(changed.store, ["otel_traces", "incidents", "llm_calls"])
    assert (held["otel_traces"].days, held["incidents"].days, held["llm_calls"].days) == (7, 3650, 400)


def test_a_refused_configuration_leaves_an_existing_store_as_it_was(tmp_path):
    env = {f"SPYGLASS_RETENTION__{name.upper()}": str(days) if days else "never" for name, days in DEFAULT.items()}
    data = tmp_path / "data"
    service = ServiceProcess(data, env=env).start()
    service.stop()

    refused = spyglass("up", "--data-dir", str(data), "--retention-calls-days", "1000", cwd=tmp_path,
                       env={**os.environ, **env})
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "rollups_days (730) is shorter than calls_days (1000)" in refused.stderr

    again = ServiceProcess(data, env=env).start()
    try:
        assert httpx.get(f"{again.api}/readyz").json()["retention_altered_at_start"] == []
        with ApiClient(again.api) as api:
            kept = {t.table: t.retention_days for t in api.storage().tables}
        assert kept["llm_calls"] == 400 and kept["cost_hourly"] == 730 and kept["otel_traces"] == 30
    finally:
        again.stop()
