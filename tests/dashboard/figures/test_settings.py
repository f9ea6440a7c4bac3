"""The Settings page's tables from the configuration answer, and the catalog problem both Settings and Costs show."""

from __future__ import annotations

import pytest

from client.models.alerts import Rules
from client.models.costs import CatalogStatus
from client.models.settings import ServiceSettings
from client.models.storage import Storage
from dashboard.figures import settings as sf
from dashboard.figures.costs import catalog_problem
from tests.helpers.wire import make

VIEW = make(ServiceSettings, roles=["collector", "api"], ports={"otlp_http": 4318, "api": 8040},
            store={"backend": "clickhouse", "server": "ch:8123", "cluster": "prod", "database": "spyglass"},
            keys={"read": 2, "ingest": 1, "admin": 0, "ingest_projects": ["acme"]},
            receivers=[{"name": "pager", "type": "pagerduty", "target": "events.pagerduty.com",
                        "send_resolved": True, "secrets": ["routing_key"]}],
            jobs=[{"name": "costs", "interval_seconds": 60, "runs": 3, "failures": 0,
                   "last_run": "2026-11-21T10:00:00.123456Z"},
                  {"name": "drift", "interval_seconds": 3600}])


@pytest.mark.parametrize(("seconds", "shown"), [(30, "30 s"), (600, "10 min"), (3600, "1 h"), (86400, "1 d"),
                                                (90, "90 s"), (0.5, "0.5 s")])
def test_intervals_read_in_their_largest_whole_unit(seconds, shown):
    assert sf.every(seconds) == shown


def test_receivers_keys_store_and_jobs():
    assert sf.receiver_rows(VIEW) == [{"receiver": "pager", "type": "pagerduty", "sends to": "events.pagerduty.com",
                                       "resolved too": "yes", "secrets (set, not shown)": "routing_key"}]
    keys = {r["role"]: r for r in sf.key_rows(VIEW)}
    assert (keys["read"]["keys"], keys["ingest"]["note"]) == (2, "projects: acme")
    assert keys["admin"]["when none"] == "routes that change state are closed (other keys exist)"
    store = {r["setting"]: r["value"] for r in sf.store_rows(VIEW)}
    assert store["store"] == "ClickHouse server ch:8123, cluster prod" and store["otlp/http port"] == "4318"
    costs, drift = sf.job_rows(VIEW)
    assert (costs["every"], costs["runs"], costs["last run (UTC)"]) == ("1 min", "3", "2026-11-21 10:00:00")
    assert (drift["every"], drift["runs"], drift["last run (UTC)"]) == ("1 h", "–", "–")  # not scheduled here


def test_rules_say_how_their_last_evaluation_went():
    rules = make(Rules, rules=[
        {"name": "a", "for_seconds": 300, "file": "r.yaml", "line": 3,
         "last_evaluation": {"evaluated_at": "x", "seconds": 0.1, "instances": 2, "error": ""}},
        {"name": "b", "runbook": "slo-burn", "last_evaluation": {"evaluated_at": "x", "seconds": 0.1, "instances": 0,
                                                                  "error": "query failed"}},
        {"name": "c"}])
    rows = sf.rule_rows(rules)
    assert [(r["for"], r["file"], r["last evaluation"]) for r in rows] == [
        ("5 min", "r.yaml:3", "2 active"), ("at once", ":0", "error: query failed"), ("at once", ":0",
                                                                                       "not evaluated yet")]
    assert rows[1]["runbook"] == "slo-burn" and rows[2]["runbook"] == "–"


def test_a_broken_catalog_is_said_with_the_version_still_in_force():
    assert catalog_problem(make(CatalogStatus, version="abc", entries=73)) == ""
    problem = catalog_problem(make(CatalogStatus, version="0123456789abcdef", entries=73,
                                   error="prices.yaml: not valid YAML (line 1)"))
    assert problem.startswith("**The price catalog file is broken") and "version 0123456789ab, 73 entries" in problem
    assert problem.endswith("prices.yaml: not valid YAML (line 1)")


@pytest.mark.parametrize(("size", "shown"), [(0, "0 B"), (512, "512 B"), (1536, "1.5 KiB"), (3 << 30, "3 GiB"),
                                             (5 * (1 << 40), "5 TiB")])
def test_sizes_read_in_binary_units(size, shown):
    assert sf.data_size(size) == shown


def test_storage_rows_say_what_each_table_holds_and_how_long_it_is_kept():
    body = make(Storage, rows=12, compressed_bytes=3072, uncompressed_bytes=10240, tables=[
        {"table": "otel_traces", "family": "raw", "rows": 10, "parts": 2, "compressed_bytes": 2048,
         "uncompressed_bytes": 8192, "oldest": "2026-11-01T00:00:00.000000000Z",
         "newest": "2026-11-21T10:00:00.000000000Z", "time_from": "parts", "retention_days": 30,
         "ttl": "toDateTime(Timestamp) + toIntervalDay(30)"},
        {"table": "incidents", "family": "history", "rows": 2, "parts": 1, "compressed_bytes": 1024,
         "uncompressed_bytes": 2048, "oldest": None, "newest": None, "time_from": None, "retention_days": None,
         "ttl": None},
        {"table": "cost_rollup_queue", "family": None, "rows": 0, "parts": 0, "compressed_bytes": 0,
         "uncompressed_bytes": 0, "oldest": None, "newest": None, "time_from": None, "retention_days": 7,
         "ttl": "toDateTime(queued_at) + toIntervalDay(7)"}])
    traces, incidents = sf.storage_rows(body)  # an empty table is left out
    assert traces == {"table": "otel_traces", "retention family": "raw", "rows": "10", "on disk": "2 KiB",
                      "uncompressed": "8 KiB", "oldest (UTC)": "2026-11-01 00:00:00",
                      "newest (UTC)": "2026-11-21 10:00:00", "kept": "30 days"}
    assert (incidents["kept"], incidents["oldest (UTC)"]) == ("forever", "–")
    assert sf.kept(None, "toDateTime(q) + toIntervalHour(1)") == "toDateTime(q) + toIntervalHour(1)"
