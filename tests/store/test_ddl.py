"""The DDL for a cluster: ON CLUSTER everywhere, replicated local tables, Distributed fronts,
and views that run per shard, checked on the generated statements."""

from __future__ import annotations

import re

from collector.normalise.genai_view import MIGRATION as LLM_CALLS_VIEW
from store.ddl import DDL
from store.migrations import MIGRATIONS


def _all(ddl: DDL) -> list[str]:
    statements = [s for m in MIGRATIONS for s in m.statements(ddl)]
    return statements + LLM_CALLS_VIEW.statements(ddl)


def test_single_node_ddl_has_plain_engines_and_no_cluster():
    statements = _all(DDL("spyglass"))
    assert not any("ON CLUSTER" in s or "Replicated" in s or "Distributed" in s for s in statements)
    llm = next(s for s in statements if s.startswith("CREATE TABLE IF NOT EXISTS `llm_calls`"))
    assert "ENGINE = ReplacingMergeTree()" in llm
    assert "ORDER BY (project, service_name, model, timestamp, trace_id, span_id)" in llm


def test_cluster_ddl_replicates_and_distributes_every_table():
    ddl = DDL("spyglass", cluster="prod")
    statements = _all(ddl)
    creates = [s for s in statements if s.startswith("CREATE TABLE")]
    local = [s for s in creates if s.split("`")[1].endswith("_local")]
    distributed = [s for s in creates if "ENGINE = Distributed" in s]
    tables = [s for s in _all(DDL("spyglass")) if s.startswith("CREATE TABLE")]
    assert len(local) == len(distributed) == len(tables) and len(creates) == 2 * len(tables)
    for statement in statements:
        if not statement.startswith("INSERT"):
            assert " ON CLUSTER `prod`" in statement.split("\n")[0], statement.split("\n")[0]
    traces = next(s for s in local if s.startswith("CREATE TABLE IF NOT EXISTS `otel_traces_local`"))
    assert "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/spyglass/otel_traces_local', '{replica}')" \
        in traces
    llm = next(s for s in local if s.startswith("CREATE TABLE IF NOT EXISTS `llm_calls_local`"))
    assert "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/spyglass/llm_calls_local'" in llm
    front = next(s for s in distributed if s.startswith("CREATE TABLE IF NOT EXISTS `llm_calls`"))
    assert "AS `llm_calls_local`" in front
    assert "Distributed(`prod`, `spyglass`, `llm_calls_local`, cityHash64(trace_id))" in front, \
        "retries of a span land on the same shard, where the replacing merge collapses them"
    views = [s for s in statements if s.startswith("CREATE MATERIALIZED VIEW")]
    assert views and all("TO `" in v and "_local`" in v.split("\n")[0] for v in views)
    assert all(re.search(r"FROM `\w+_local`", v) for v in views), "views read the shard's own rows"
