"""Heuristic quality checks of LLM calls, as pure Polars functions: calls in, quality_scores rows out.

A row is written only when a check fires (value 0, label `fail`, source `heuristic`): a
rate is then flagged rows / calls, and the job writes a few percent of the rows it reads,
which is what lets it keep up with ingest. The checks:

| name | fires when |
|---|---|
| `error` | the call ended with an error status (comment: its error type) |
| `empty_output` | a successful generation reported usage with 0 output tokens |
| `truncated` | a finish reason says the token limit cut it (`length`, `max_tokens`, ...) |
| `refusal` | a finish reason says a filter stopped it (`content_filter`, `refusal`, `safety`, ...), or, where content is captured, the completion opens with a refusal ("I'm sorry, but I can't ...") |
| `invalid_json` | content is captured, JSON output was requested (`gen_ai.output.type` json, `response_format` json_object/json_schema) and the completion does not parse as JSON |
| `slow` | the call took longer than its model's ceiling: the configured one, else the model's p99 over the previous 24 h (at least 100 calls), else a fixed default |

`score_id` is `heuristic:<name>:<trace>:<span>` and the timestamp is the call's, so scoring
a call again (the job's look-back) replaces the row instead of adding one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime

import polars as pl

from store.queries.quality_jobs import DIMENSIONS, SCORE_COLUMNS

SOURCE = "heuristic"
TRUNCATED = ("length", "max_tokens", "max_output_tokens")
REFUSED = ("content_filter", "refusal", "safety", "prohibited_content", "blocklist", "spii")
NO_OUTPUT_OPERATIONS = ("embeddings", "rerank")  # calls that never generate tokens
REFUSAL_TEXT = re.compile(
    r"^\W*(?:(?:i'?m|i am) sorry|sorry|unfortunately|as an ai)?[^.!?]{0,40}?\b(?:i|we)\s+"
    r"(?:can(?:'|no)?t|cannot|can not|won'?t|am unable to|'m unable to|am not able to|must decline to)\s+"
    r"(?:help|assist|comply|provide|do that|answer|fulfil|fulfill|support)", re.IGNORECASE)


def latency_thresholds(reference_p99: pl.DataFrame, configured_ms: Mapping[str, float]) -> pl.DataFrame:
    """Per model: the ceiling in ns, the configured one winning over the reference p99 (model, p99_ns)."""
    configured = pl.DataFrame({"model": list(configured_ms),
                               "threshold_ns": [int(ms * 1_000_000) for ms in configured_ms.values()]},
                              schema={"model": pl.String, "threshold_ns": pl.Int64})
    measured = reference_p99.select(pl.col("model"), pl.col("p99_ns").cast(pl.Int64).alias("threshold_ns"))
    return pl.concat([configured, measured.join(configured, on="model", how="anti")])


def _fired(calls: pl.DataFrame, name: str, condition: pl.Expr, comment: pl.Expr) -> pl.DataFrame:
    return calls.filter(condition).select(
        "timestamp", "project", "trace_id", "span_id", *DIMENSIONS,
        pl.lit(name).alias("name"), comment.alias("comment"))


def _any_of(values: tuple[str, ...]) -> pl.Expr:
    return pl.col("reasons").list.eval(pl.element().is_in(values)).list.any()


def _first_of(values: tuple[str, ...]) -> pl.Expr:
    return pl.col("reasons").list.eval(pl.element().filter(pl.element().is_in(values))).list.first()


def score_calls(calls: pl.DataFrame, thresholds: pl.DataFrame, default_ns: int,
                content_flags: pl.DataFrame | None, now: datetime) -> pl.DataFrame:
    """quality_scores rows for the checks that fire on `calls` (llm_calls columns of the heuristics).

    `thresholds` (model, threshold_ns) gives the latency ceilings, `default_ns` the ceiling
    of other models; `content_flags` (trace_id, span_id, name, comment) the content checks.
    """
    calls = calls.with_columns(
        pl.col("finish_reasons").list.eval(pl.element().str.to_lowercase()).alias("reasons"),
    ).join(thresholds, on="model", how="left").with_columns(pl.col("threshold_ns").fill_null(default_ns))
    ok = pl.col("status") != "error"
    fired = [
        _fired(calls, "error", ~ok, pl.col("error_type")),
        _fired(calls, "empty_output", ok & pl.col("usage_reported") & (pl.col("output_tokens") == 0)
               & ~pl.col("operation").is_in(NO_OUTPUT_OPERATIONS), pl.lit("0 output tokens")),
        _fired(calls, "truncated", _any_of(TRUNCATED), pl.lit("finish reason ") + _first_of(TRUNCATED)),
        _fired(calls, "refusal", _any_of(REFUSED), pl.lit("finish reason ") + _first_of(REFUSED)),
        _fired(calls, "slow", pl.col("duration_ns").cast(pl.Int64) > pl.col("threshold_ns"),
               pl.format("{} ms > {} ms", pl.col("duration_ns") // 1_000_000, pl.col("threshold_ns") // 1_000_000)),
    ]
    if content_flags is not None and content_flags.height:
        fired.append(calls.join(content_flags, on=["trace_id", "span_id"], how="inner").select(fired[0].columns))
    rows = pl.concat(fired)
    return rows.with_columns(
        pl.concat_str([pl.lit(SOURCE), "name", "trace_id", "span_id"], separator=":").alias("score_id"),
        pl.lit(0.0).alias("value"),
        pl.lit("fail").alias("label"),
        pl.lit(SOURCE).alias("source"),
        pl.lit("spyglass").alias("evaluator"),
        pl.col("comment").fill_null(""),
        pl.lit(True).alias("joined"),
        pl.lit(now).cast(pl.Datetime("ms", "UTC")).alias("updated_at"),
    ).unique("score_id", keep="first", maintain_order=True).select(SCORE_COLUMNS)


def completion_text(outputs: list[str]) -> str:
    """The completion's text from the first non-empty content attribute (GenAI messages JSON or plain)."""
    for raw in outputs:
        if not raw:
            continue
        try:
            messages = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
            parts = [p.get("content", "") for m in messages for p in m.get("parts", []) if p.get("type") == "text"]
            legacy = [m["content"] for m in messages if isinstance(m.get("content"), str)]
            return "".join(parts or legacy)
        return raw
    return ""


def json_requested(formats: list[str]) -> bool:
    """True when an output-format attribute asks for JSON (`json`, `json_object`, `json_schema`, ...)."""
    return any("json" in value.lower() for value in formats if value)


def content_flags(content: pl.DataFrame) -> pl.DataFrame:
    """The content checks (refusal text, invalid JSON) over captured spans (trace_id, span_id, outputs, formats)."""
    flags: list[tuple[str, str, str, str]] = []
    for row in content.iter_rows(named=True):
        text = completion_text(row["outputs"])
        if REFUSAL_TEXT.match(text[:300]):
            flags.append((row["trace_id"], row["span_id"], "refusal", "refusal text"))
        if text and json_requested(row["formats"]):
            try:
                json.loads(text)
            except ValueError as exc:
                flags.append((row["trace_id"], row["span_id"], "invalid_json", f"not JSON: {exc}"[:200]))
    return pl.DataFrame(flags, schema={"trace_id": pl.String, "span_id": pl.String, "name": pl.String,
                                       "comment": pl.String}, orient="row")
