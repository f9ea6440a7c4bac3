"""Heuristic quality checks of LLM calls, as pure Polars functions: calls in, quality_scores rows out.

A row is written only when a check fires (value 0, label `fail`, source `heuristic`): a
rate is then flagged rows / calls, and the job writes a few percent of the rows it reads,
which is what lets it keep up with ingest. The checks:

- `error`: the call ended with an error status (comment: its error type);
- `empty_output`: a successful generation reported usage with 0 output tokens;
- `truncated`: a finish reason says the token limit cut it (`length`, `max_tokens`, ...);
- `refusal`: a finish reason says a filter stopped it (`content_filter`, `refusal`,
  `safety`, ...), or, where content is captured, the completion opens with a refusal
  ("I'm sorry, but I can't ...");
- `invalid_json`: content is captured, JSON output was requested (`gen_ai.output.type`
  json, `response_format` json_object/json_schema) and the completion does not parse;
- `slow`: the call took longer than its model's ceiling (the configured one, else the
  model's p99 over the previous 24 h with at least 100 calls, else a fixed default).

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


def _variants(values: tuple[str, ...]) -> list[str]:
    """Lower and upper case: providers send `length` or `MAX_TOKENS`; matching both avoids lower-casing every row."""
    return [*values, *(v.upper() for v in values)]


def _any_of(values: tuple[str, ...]) -> pl.Expr:
    return pl.col("finish_reasons").list.eval(pl.element().is_in(_variants(values))).list.any()


def _first_of(values: tuple[str, ...]) -> pl.Expr:
    chosen = _variants(values)
    return pl.col("finish_reasons").list.eval(pl.element().filter(pl.element().is_in(chosen))).list.first()


def _checks(ceiling: pl.Expr) -> dict[str, pl.Expr]:
    """Each check as a boolean expression over llm_calls columns."""
    ok = pl.col("status") != "error"
    return {
        "error": ~ok,
        "empty_output": ok & pl.col("usage_reported") & (pl.col("output_tokens") == 0)
        & ~pl.col("operation").is_in(NO_OUTPUT_OPERATIONS),
        "truncated": _any_of(TRUNCATED),
        "refusal": _any_of(REFUSED),
        "slow": pl.col("duration_ns").cast(pl.Int64) > ceiling,
    }


def _comments() -> dict[str, pl.Expr]:
    """What each check says about a flagged call."""
    return {
        "error": pl.col("error_type"),
        "empty_output": pl.lit("0 output tokens"),
        "truncated": pl.lit("finish reason ") + _first_of(TRUNCATED).str.to_lowercase(),
        "refusal": pl.lit("finish reason ") + _first_of(REFUSED).str.to_lowercase(),
        "slow": pl.format("{} ms > {} ms", pl.col("duration_ns") // 1_000_000, pl.col("ceiling_ns") // 1_000_000),
    }


def score_calls(calls: pl.DataFrame, thresholds: pl.DataFrame, default_ns: int,
                content_flags: pl.DataFrame | None, now: datetime) -> pl.DataFrame:
    """quality_scores rows for the checks that fire on `calls` (llm_calls columns of the heuristics).

    `thresholds` (model, threshold_ns) gives the latency ceilings, `default_ns` the ceiling
    of other models; `content_flags` (trace_id, span_id, name, comment) the content checks.
    The checks are boolean columns over all calls; only the few flagged calls are then
    turned into rows, so the string work (ids, comments) stays small.
    """
    ceilings = dict(zip(thresholds["model"].to_list(), thresholds["threshold_ns"].to_list(), strict=True))
    ceiling = pl.col("model").replace_strict(ceilings, default=default_ns, return_dtype=pl.Int64)
    checks = _checks(ceiling)
    base = ["timestamp", "project", "trace_id", "span_id", *DIMENSIONS]
    candidates = calls.with_columns(ceiling.alias("ceiling_ns"), **checks).filter(pl.any_horizontal(list(checks)))
    flagged = pl.concat([candidates.filter(pl.col(name)).select(*base, pl.lit(name).alias("name"),
                                                                comment.alias("comment"))
                         for name, comment in _comments().items()])
    if content_flags is not None and content_flags.height:
        by_content = calls.join(content_flags, on=["trace_id", "span_id"], how="inner").select(flagged.columns)
        flagged = pl.concat([flagged, by_content])
    return flagged.with_columns(
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
