"""The comparison frame of one window: sampled calls, plus per-call quality scores and content lengths.

One row per sampled call. Quality scores become one column per score name (`score:<name>`,
the mean of that score's values for the call; a trace-level score, with no span id, counts
for every sampled call of its trace); content descriptors (characters and words in and out)
are columns when content was captured. Pure apart from the store reads passed in as frames.
"""

from __future__ import annotations

import polars as pl

from pipelines.drift.compare import Feature

CALL_FEATURES = (Feature("input_tokens", "numerical"), Feature("output_tokens", "numerical"),
                 Feature("duration_ms", "numerical"), Feature("ttft_ms", "numerical"),
                 Feature("finish_reason", "categorical"), Feature("error_type", "categorical"))
CONTENT_FEATURES = tuple(Feature(name, "numerical")
                         for name in ("input_chars", "input_words", "output_chars", "output_words"))
SCORE_PREFIX = "score:"
MAX_SCORE_NAMES = 20  # the most frequent score names; a drift report of hundreds of columns helps nobody
_KEYS = ["trace_id", "span_id"]


def score_columns(scores: pl.DataFrame) -> pl.DataFrame:
    """Scores (trace_id, span_id, name, value) as one row per (trace_id, span_id) with a column per name.

    Kept apart: span-level rows and trace-level rows (span_id ''), joined differently below.
    """
    if scores.is_empty():
        return pl.DataFrame(schema={"trace_id": pl.String, "span_id": pl.String})
    names = scores.group_by("name").len().sort(["len", "name"], descending=[True, False]).head(MAX_SCORE_NAMES)
    kept = scores.filter(pl.col("name").is_in(names["name"].implode()))
    return kept.with_columns(pl.format(f"{SCORE_PREFIX}{{}}", "name").alias("name")).pivot(
        on="name", index=_KEYS, values="value", aggregate_function="mean").sort(_KEYS)


def window_frame(calls: pl.DataFrame, scores: pl.DataFrame, content: pl.DataFrame) -> pl.DataFrame:
    """Calls with their score columns and content columns (null where a call has none)."""
    frame = calls
    wide = score_columns(scores)
    score_names = [c for c in wide.columns if c.startswith(SCORE_PREFIX)]
    if score_names:
        span_level = wide.filter(pl.col("span_id") != "")
        trace_level = wide.filter(pl.col("span_id") == "").drop("span_id")
        frame = frame.join(span_level, on=_KEYS, how="left")
        frame = frame.join(trace_level, on="trace_id", how="left", suffix=":trace")
        frame = frame.with_columns(
            pl.mean_horizontal(name, f"{name}:trace").alias(name) for name in score_names
        ).drop(f"{name}:trace" for name in score_names)
    if not content.is_empty():
        frame = frame.join(content.unique(_KEYS), on=_KEYS, how="left")
    return frame


def features_of(reference: pl.DataFrame, current: pl.DataFrame) -> list[Feature]:
    """The features both windows can be compared on: call fields, scores and content present in either."""
    columns = set(reference.columns) | set(current.columns)
    scores = sorted(c for c in columns if c.startswith(SCORE_PREFIX))
    return [*CALL_FEATURES, *(Feature(name, "numerical") for name in scores),
            *(f for f in CONTENT_FEATURES if f.name in columns)]


def aligned(frame: pl.DataFrame, features: list[Feature]) -> pl.DataFrame:
    """`frame` with every feature column (all-null where the window has none), in feature order."""
    missing = [pl.lit(None, pl.Float64 if f.kind == "numerical" else pl.String).alias(f.name)
               for f in features if f.name not in frame.columns]
    return frame.with_columns(missing).select(f.name for f in features)
