"""Each heuristic fires on the call it is about and on no other; the job scores new calls once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import polars as pl
from opentelemetry.trace import SpanKind, Status, StatusCode

from pipelines.quality.heuristics import completion_text, content_flags, json_requested, latency_thresholds, score_calls
from pipelines.quality.heuristics_job import HeuristicsConfig, run_heuristics_job
from store.queries.quality_jobs import SCORE_COLUMNS
from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
MS = 1_000_000


def call(span_id: str, model: str = "gpt-4o", status: str = "ok", error_type: str = "", output_tokens: int = 50,
         usage_reported: bool = True, finish_reasons: tuple[str, ...] = ("stop",), duration_ms: int = 500,
         operation: str = "chat", project: str = "p") -> dict:
    return {"timestamp": T0, "project": project, "trace_id": "t" * 32, "span_id": span_id, "service_name": "svc",
            "model": model, "team": "ml", "feature": "chat", "operation": operation, "status": status,
            "error_type": error_type, "output_tokens": output_tokens, "usage_reported": usage_reported,
            "finish_reasons": list(finish_reasons), "duration_ns": duration_ms * MS}


CALLS = [
    call("clean"),
    call("failed", status="error", error_type="RateLimitError", output_tokens=0),
    call("empty", output_tokens=0),
    call("embedding", operation="embeddings", output_tokens=0),  # never generates: not "empty"
    call("no-usage", output_tokens=0, usage_reported=False),  # unknown is not empty
    call("cut", finish_reasons=("LENGTH",)),
    call("cut-anthropic", finish_reasons=("max_tokens",)),
    call("filtered", finish_reasons=("content_filter",)),
    call("slow", duration_ms=2_500),
    call("slow-other", model="llama-3", duration_ms=2_500),  # under the default ceiling
]


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"timestamp": pl.Datetime("ns", "UTC"), "duration_ns": pl.UInt64})


def fired(rows: pl.DataFrame) -> set[tuple[str, str]]:
    return set(rows.select("span_id", "name").iter_rows())


def test_each_rule_fires_on_its_call_only():
    thresholds = latency_thresholds(pl.DataFrame({"model": ["gpt-4o"], "p99_ns": [2_000 * MS]}), {})
    rows = score_calls(frame(CALLS), thresholds, 60_000 * MS, None, T0)
    assert fired(rows) == {("failed", "error"), ("empty", "empty_output"), ("cut", "truncated"),
                           ("cut-anthropic", "truncated"), ("filtered", "refusal"), ("slow", "slow")}
    assert rows.columns == list(SCORE_COLUMNS)
    by_span = {r["span_id"]: r for r in rows.iter_rows(named=True)}
    assert by_span["failed"]["comment"] == "RateLimitError"
    assert by_span["cut"]["comment"] == "finish reason length"
    assert by_span["slow"]["comment"] == "2500 ms > 2000 ms"
    assert by_span["slow"]["score_id"] == f"heuristic:slow:{'t' * 32}:slow"
    assert {(r["value"], r["label"], r["source"], r["joined"], r["model"], r["team"]) for r in by_span.values()} == {
        (0.0, "fail", "heuristic", True, "gpt-4o", "ml")}


def test_configured_ceiling_wins_over_the_reference_p99():
    thresholds = latency_thresholds(pl.DataFrame({"model": ["gpt-4o"], "p99_ns": [2_000 * MS]}),
                                    {"gpt-4o": 3_000, "llama-3": 1_000})
    rows = score_calls(frame(CALLS), thresholds, 60_000 * MS, None, T0)
    assert {s for s, n in fired(rows) if n == "slow"} == {"slow-other"}


def test_completion_text_and_json_request():
    genai = json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "{\"a\": 1}"}]}])
    assert completion_text(["", genai]) == '{"a": 1}'
    assert completion_text([json.dumps([{"role": "assistant", "content": "legacy"}])]) == "legacy"
    assert completion_text(["", "", "plain text"]) == "plain text"
    assert json_requested(["", "json_object"]) and json_requested(["json", "", ""])
    assert not json_requested(["text", "", ""])


def test_content_checks():
    content = pl.DataFrame({
        "trace_id": ["t"] * 4, "span_id": ["bad-json", "good-json", "refused", "helpful"],
        "outputs": [["{\"a\": 1,"], ["{\"a\": 1}"], ["I'm sorry, but I can't help with that."],
                    ["Sure, I can help with that."]],
        "formats": [["json"], ["json_object"], [""], [""]]})
    assert set(content_flags(content).select("span_id", "name").iter_rows()) == {
        ("bad-json", "invalid_json"), ("refused", "refusal")}


def insert_calls(store, rows: list[dict], ingested_at: datetime) -> None:
    data = frame(rows).with_columns(pl.lit(ingested_at).cast(pl.Datetime("ms", "UTC")).alias("ingested_at"),
                                    pl.col("model").alias("request_model")).drop("model")
    store.insert_arrow("llm_calls", data.to_arrow())


def stored(store) -> set[tuple[str, str]]:
    return {(r["span_id"], r["name"]) for r in
            store.query_arrow("SELECT span_id, name FROM quality_scores FINAL WHERE source = 'heuristic'").to_pylist()}


def test_the_job_scores_new_calls_once_and_uses_the_default_ceiling(store):
    insert_calls(store, CALLS, T0)
    config = HeuristicsConfig(latency_ms={"gpt-4o": 2_000}, default_latency_ms=10_000)
    result = run_heuristics_job(store, config, T0 + timedelta(seconds=5))
    assert result.calls == len(CALLS)
    assert result.flagged == {"empty_output": 1, "error": 1, "refusal": 1, "slow": 1, "truncated": 2}
    assert stored(store) == {("failed", "error"), ("empty", "empty_output"), ("cut", "truncated"),
                             ("cut-anthropic", "truncated"), ("filtered", "refusal"), ("slow", "slow")}
    store.command("TRUNCATE TABLE job_watermarks")  # the same window again: rows replace, not add
    run_heuristics_job(store, config, T0 + timedelta(seconds=6))
    assert store.query_arrow("SELECT count() AS n FROM quality_scores FINAL").to_pylist() == [{"n": 6}]
    assert run_heuristics_job(store, config, T0 + timedelta(seconds=6)).calls == 0


def test_content_checks_run_only_where_capture_is_on(service_factory):
    running = service_factory(content={"capture_projects": ["acme"]})
    for project in ("acme", "other"):
        provider = tracer_provider("http", running, resource={"spyglass.project": project})
        tracer = provider.get_tracer("test")
        for name, output, output_type in (("bad-json", "{\"answer\": 42", "json"),
                                          ("refused", "I'm sorry, but I cannot help with that request.", "text")):
            span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes={
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.output.type": output_type,
                "gen_ai.usage.output_tokens": 12, "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": output}]}])})
            span.set_status(Status(StatusCode.OK))
            span.end()
        provider.shutdown()
    eventually(lambda: running.count("llm_calls") >= 4, what="four LLM calls stored")
    config = HeuristicsConfig(capture_projects=frozenset({"acme"}))
    run_heuristics_job(running.store, config, datetime.now(timezone.utc) + timedelta(seconds=2))
    rows = running.rows("SELECT project, span_name, name FROM quality_scores FINAL "
                        "JOIN (SELECT span_id, span_name FROM llm_calls FINAL) AS c USING span_id ORDER BY span_name")
    assert rows == [{"project": "acme", "span_name": "bad-json", "name": "invalid_json"},
                    {"project": "acme", "span_name": "refused", "name": "refusal"}]
