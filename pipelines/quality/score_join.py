"""Give scores that arrived before their LLM call the call's dimensions, once it is stored.

Feedback may name a trace that has not arrived yet, and evaluations (written by the views
of store/migrations/m0010_evaluation_views.py) never carry the call's dimensions. Both sit
in `quality_scores` with `joined = false`; every run of this job looks the unjoined scores
of the last `window` up in `llm_calls` and re-inserts the ones it finds with the call's
service/model/team/feature, `joined = true` and a newer `updated_at`, which replaces the
unjoined version (ReplacingMergeTree keyed by score_id). A score names a call by trace and
span; a score with no span (trace-level feedback) goes to the first call of its trace.
Scores whose call never arrives (an evaluation of a non-LLM span) stay unjoined and are
looked at again until they leave the window.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import polars as pl

from store.base import Store
from store.queries import quality_jobs as q

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreJoinResult:
    """What one run did (the scheduler's last_result)."""

    unjoined: int
    joined: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def join_scores(scores: pl.DataFrame, calls: pl.DataFrame, updated_at: datetime) -> pl.DataFrame:
    """The `scores` whose call is in `calls`, with its dimensions: the quality_scores rows to insert."""
    dims = ["project", "trace_id", *q.DIMENSIONS]
    by_span = scores.filter(pl.col("span_id") != "").join(
        calls.select([*dims, "span_id"]), on=["project", "trace_id", "span_id"], how="inner")
    first_calls = calls.sort("timestamp").group_by(["project", "trace_id"], maintain_order=True).first()
    by_trace = scores.filter(pl.col("span_id") == "").join(first_calls.select(dims), on=["project", "trace_id"],
                                                           how="inner")
    joined = pl.concat([by_span, by_trace], how="diagonal_relaxed")
    return joined.with_columns(
        pl.lit(True).alias("joined"),
        pl.lit(updated_at).cast(pl.Datetime("ms", "UTC")).alias("updated_at"),
    ).select(q.SCORE_COLUMNS)


def run_score_join(store: Store, now: datetime, window: timedelta = timedelta(days=7),
                   limit: int = 100_000) -> ScoreJoinResult:
    """Join the unjoined scores of the last `window` whose call has arrived."""
    scores = q.unjoined_scores(store, now - window, limit)
    if not scores.height:
        return ScoreJoinResult(0, 0)
    calls = q.calls_of_traces(store, scores["trace_id"].unique().to_list())
    rows = join_scores(scores, calls, now)
    if rows.height:  # scores still waiting for their call are not news: no line for them
        store.insert_arrow("quality_scores", rows.to_arrow())
        log.info("score join unjoined=%d joined=%d", scores.height, rows.height)
    return ScoreJoinResult(scores.height, rows.height)
