"""The cost job against the real store: exact costs, unpriced rows, idempotency, late data."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from opentelemetry.trace import SpanKind

from pipelines.costs import job as cost_job
from pipelines.costs.catalog import load_shipped
from pipelines.costs.job import run_cost_job
from store import query_rows
from store.queries.watermarks import watermark
from tests.helpers import catalogs as helpers
from tests.helpers.calls import T0, insert_call
from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually


@pytest.fixture(scope="module")
def catalog():
    return load_shipped()


def costs(store) -> list[dict]:
    return query_rows(store, "SELECT * EXCEPT priced_at FROM request_costs FINAL ORDER BY span_id")


def test_known_model_is_priced_exactly(store, catalog):
    insert_call(store, "s1", T0)
    result = run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    assert (result.rows, result.priced, result.unpriced, result.flagged) == (1, 1, 0, 0)
    [row] = costs(store)
    # gpt-4o: input 2.50, cache_read 1.25, output 10.00 per million; reasoning billed as output.
    # 1000 input incl. 200 cached, 500 output incl. 100 reasoning (OTel rule).
    assert row["priced"] is True and row["entry_id"] == "openai-gpt-4o" and row["tier"] is None  # base prices
    assert row["cost_input"] == Decimal("0.002")  # 800 * 2.50 / 1e6
    assert row["cost_cache_read"] == Decimal("0.00025")  # 200 * 1.25 / 1e6
    assert row["cost_cache_write"] == Decimal(0)
    assert row["cost_output"] == Decimal("0.004")  # 400 * 10 / 1e6
    assert row["cost_reasoning"] == Decimal("0.001")  # 100 * 10 / 1e6
    assert row["cost_request_fee"] == Decimal(0)
    assert row["cost_total"] == Decimal("0.00725")
    assert row["catalog_version"] == catalog.version and row["currency"] == "USD"
    assert (row["project"], row["team"], row["model"], row["trace_id"]) == ("p", "ml", "gpt-4o", "t1")


def test_a_run_logs_one_line_when_it_priced_something_and_none_when_idle(store, catalog, caplog):
    with caplog.at_level("INFO", logger="pipelines.costs.job"):
        run_cost_job(store, catalog, T0)
        insert_call(store, "s1", T0)
        run_cost_job(store, catalog, T0 + timedelta(seconds=5))
        run_cost_job(store, catalog, T0 + timedelta(seconds=10))
    lines = [r.getMessage() for r in caplog.records if r.name == "pipelines.costs.job"]
    assert len(lines) == 1 and lines[0].startswith("cost job rows=1 priced=1 ")


def test_unknown_model_is_unpriced_with_null_costs(store, catalog):
    insert_call(store, "s1", T0, model="mystery-model-9000")
    insert_call(store, "s2", T0, tokens=(10, 5, 20, 0, 0))  # cache read > input: flagged
    result = run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    assert (result.rows, result.priced, result.unpriced, result.flagged) == (2, 0, 2, 1)
    unknown, flagged = costs(store)
    assert unknown["priced"] is False and unknown["entry_id"] == "" and unknown["price_basis"] == ""
    assert unknown["reason"] == ("no price entry for openai model mystery-model-9000: add one with provider: openai, "
                                 "models: [mystery-model-9000]")
    assert unknown["cost_total"] is None and unknown["cost_input"] is None and unknown["tier"] is None
    assert flagged["priced"] is False and flagged["flags"] == ["cache_exceeds_input"]
    assert flagged["cost_total"] is None


def test_rerun_of_a_window_is_idempotent_and_the_same_version_is_not_kept_twice(store, catalog):
    insert_call(store, "s1", T0)
    insert_call(store, "s2", T0, model="unknown")
    run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    first = costs(store)
    store.command("TRUNCATE TABLE job_watermarks")  # force the same window again, as after a crash
    assert run_cost_job(store, catalog, T0 + timedelta(seconds=6)).rows == 2
    assert costs(store) == first
    # The same catalog prices a call the same way: nothing was superseded, so nothing is history.
    assert query_rows(store, "SELECT count() AS n FROM request_cost_history")[0]["n"] == 0
    assert query_rows(store, "SELECT count() AS n FROM request_cost_versions")[0]["n"] == 2


def test_the_look_back_skips_calls_priced_under_the_same_catalog(store, catalog):
    insert_call(store, "s1", T0)
    run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    insert_call(store, "s2", T0 + timedelta(seconds=10))
    again = run_cost_job(store, catalog, T0 + timedelta(seconds=20), lookback=timedelta(minutes=5))
    assert again.rows == 1, "s1 is in the look-back but already priced: only s2 is priced"
    assert query_rows(store, "SELECT count() AS n FROM request_costs")[0]["n"] == 2, "s1 was not written again"


def test_a_new_catalog_version_reprices_the_look_back_and_keeps_history(store, catalog):
    insert_call(store, "s1", T0)
    run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    cheaper = helpers.catalog({"id": "mine", "provider": "openai", "models": ["gpt-4o"], "input": "1", "output": "2"})
    store.command("TRUNCATE TABLE job_watermarks")
    assert run_cost_job(store, cheaper, T0 + timedelta(seconds=6)).rows == 1
    [row] = costs(store)
    # Unset cache and reasoning prices fall back to input and output: 1000 x 1 + 500 x 2 per million.
    assert row["catalog_version"] == cheaper.version and row["entry_id"] == "mine"
    assert row["cost_total"] == Decimal("0.002")
    superseded = query_rows(store, "SELECT catalog_version, cost_total FROM request_cost_history")
    assert superseded == [{"catalog_version": catalog.version, "cost_total": Decimal("0.00725")}]
    versions = query_rows(store, "SELECT catalog_version FROM request_cost_versions ORDER BY priced_at")
    assert [v["catalog_version"] for v in versions] == [catalog.version, cheaper.version]


def test_each_superseded_version_is_kept_once(store, catalog):
    insert_call(store, "s1", T0)
    versions = [catalog,
                helpers.catalog({"id": "b", "provider": "openai", "models": ["gpt-4o"], "input": "1", "output": "2"}),
                helpers.catalog({"id": "c", "provider": "openai", "models": ["gpt-4o"], "input": "3", "output": "4"})]
    for i, version in enumerate(versions):
        store.command("TRUNCATE TABLE job_watermarks")  # each run sees the call again, its rows still unmerged
        run_cost_job(store, version, T0 + timedelta(seconds=5 + i))
    history = query_rows(store, "SELECT catalog_version FROM request_cost_history ORDER BY priced_at")
    assert [h["catalog_version"] for h in history] == [versions[0].version, versions[1].version]
    trail = query_rows(store, "SELECT entry_id, cost_total FROM request_cost_versions ORDER BY priced_at")
    # c: 1000 x 3 + 500 x 4 per million (cache and reasoning fall back to input and output prices).
    assert [t["entry_id"] for t in trail][1:] == ["b", "c"] and trail[2]["cost_total"] == Decimal("0.005")


def test_the_versions_view_shows_a_pricing_once_when_the_history_also_holds_it(store, catalog):
    insert_call(store, "s1", T0)
    run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    # What the materialised view before migration 11 did: a copy of every row written.
    store.command("INSERT INTO request_cost_history SELECT * FROM request_costs")
    assert query_rows(store, "SELECT count() AS n FROM request_cost_versions")[0]["n"] == 1


def test_watermark_advances_and_late_rows_within_lookback_are_priced(store, catalog):
    insert_call(store, "s1", T0)
    first = run_cost_job(store, catalog, T0 + timedelta(seconds=10), lookback=timedelta(minutes=1))
    assert watermark(store, "costs") == T0 + timedelta(seconds=9)
    assert first.watermark == (T0 + timedelta(seconds=9)).isoformat()
    # Committed after the first run, but stamped before its watermark: within the look-back.
    insert_call(store, "late", T0 + timedelta(seconds=5))
    # Stamped before the look-back: never read again.
    insert_call(store, "too-late", T0 - timedelta(minutes=5))
    second = run_cost_job(store, catalog, T0 + timedelta(seconds=20), lookback=timedelta(minutes=1))
    assert second.rows == 1  # late; s1 is re-read in the look-back but already priced
    assert watermark(store, "costs") == T0 + timedelta(seconds=19)
    assert [r["span_id"] for r in costs(store)] == ["late", "s1"]


def test_a_call_committed_between_key_match_and_insert_waits_for_the_next_run(store, catalog, monkeypatch):
    """A call with a key the match did not see, and one in an hour it did not queue, are priced by the next
    run (its look-back finds their second short of cost rows), never as "no price entry" or unqueued."""
    real_price_table = cost_job.price_table

    def commit_during_the_run(keys, cat):
        insert_call(store, "new-key", T0 + timedelta(seconds=1), model="gpt-4o-mini")
        insert_call(store, "new-hour", T0 + timedelta(seconds=1), at=T0 + timedelta(hours=1))
        return real_price_table(keys, cat)

    insert_call(store, "s1", T0 + timedelta(seconds=1))
    monkeypatch.setattr(cost_job, "price_table", commit_during_the_run)
    first = run_cost_job(store, catalog, T0 + timedelta(seconds=5))
    monkeypatch.undo()
    assert first.rows == 1 and [r["span_id"] for r in costs(store)] == ["s1"]
    second = run_cost_job(store, catalog, T0 + timedelta(seconds=10))
    assert second.rows == 3  # the redone second: s1 again, and the two calls it had missed
    rows = {r["span_id"]: r for r in costs(store)}
    assert rows["new-key"]["priced"] and rows["new-key"]["entry_id"] == "openai-gpt-4o-mini"
    assert rows["new-hour"]["priced"] and rows["new-hour"]["cost_total"] == rows["s1"]["cost_total"]
    queued = query_rows(store, "SELECT DISTINCT toDateTime64(hour, 0, 'UTC') AS hour FROM cost_rollup_queue ORDER BY hour")
    assert [r["hour"] for r in queued] == [T0, T0 + timedelta(hours=1)]


def test_nothing_new_leaves_the_watermark(store, catalog):
    insert_call(store, "s1", T0)
    run_cost_job(store, catalog, T0 + timedelta(seconds=10))
    again = run_cost_job(store, catalog, T0 + timedelta(seconds=10))
    assert again.rows == 0  # the window (watermark, now - delay] is empty: nothing is read
    assert watermark(store, "costs") == T0 + timedelta(seconds=9)


def test_batch_limit_drains_a_backlog_over_runs(store, catalog):
    for i in range(5):
        insert_call(store, f"s{i}", T0 + timedelta(seconds=i))
    now = T0 + timedelta(minutes=1)
    one = run_cost_job(store, catalog, now, lookback=timedelta(0), batch_limit=2)
    assert one.rows == 2 and watermark(store, "costs") == T0 + timedelta(seconds=2) - timedelta(milliseconds=1)
    while watermark(store, "costs") < now - timedelta(seconds=1):
        run_cost_job(store, catalog, now, lookback=timedelta(0), batch_limit=2)
    assert len(costs(store)) == 5


def test_a_span_sent_over_otlp_is_priced_by_the_service(service_factory):
    running = service_factory(costs={"interval_seconds": 0.2})
    provider = tracer_provider("http", running)
    with provider.get_tracer("test").start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 400}):
        pass
    provider.shutdown()
    rows = eventually(lambda: running.rows("SELECT model, priced, cost_total FROM request_costs FINAL"),
                      what="a cost row from the scheduled job")
    # 1000 * 2.50 / 1e6 + 400 * 10 / 1e6
    assert rows == [{"model": "gpt-4o", "priced": True, "cost_total": Decimal("0.0065")}]
    status = running.service.scheduler.status()["costs"]
    assert status["runs"] > 0 and status["last_error"] == ""
    json.dumps(status["last_result"])  # readiness serves it as JSON
