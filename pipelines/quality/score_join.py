"""Give scores that arrived before their LLM call the call's dimensions, once it is stored.

Feedback may name a trace that has not arrived yet, and evaluations (written by the views
of store/migrations/m0010_evaluation_views.py) never carry the call's dimensions. Both sit
in `quality_scores` with `joined = false`; every run of this job looks the unjoined scores
of the last `JOIN_HORIZON` up in `llm_calls` and re-inserts the ones it finds with the call's
service/model/team/feature, `joined = true` and a newer `updated_at`, which replaces the
unjoined version (ReplacingMergeTree keyed by score_id). A score names a call by trace and
span; a score with no span (trace-level feedback) goes to the first call of its trace.

When ingest is open, feedback belongs to its call's project, but feedback sent before its call
was stored under the project it named, else `default`. Such feedback is moved: the project is
in the table's sort key, so the row cannot be replaced in place; the job writes it under the
call's project (with the score id it has there, so a later re-send replaces it) and then
deletes the old row. If feedback of that id already exists in the call's project (sent again
after the call arrived, or written by a run that died before its delete), it is kept and only
the old row goes. With ingest keys the key's project is authoritative: nothing moves.

Scores whose call never arrives (an evaluation of a non-LLM span) stay unjoined and are
looked at again until they leave the horizon; feedback older than that is counted in each
run's result (readiness) and in /api/v1/quality/feedback.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import polars as pl

from store.base import Store
from store.feedback_ids import SOURCE, feedback_score_id
from store.queries import quality_jobs as q

log = logging.getLogger(__name__)
JOIN_HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class ScoreJoinResult:
    """What one run did (the scheduler's last_result, shown by readiness)."""

    unjoined: int
    joined: int
    moved: int = 0  # feedback moved to its call's project
    expired_feedback: int = 0  # unjoined feedback older than the horizon: its call is no longer looked for
    oldest_expired_feedback: str | None = None  # RFC 3339

    def as_dict(self) -> dict[str, int | str | None]:
        return asdict(self)


def _joined(rows: pl.DataFrame, updated_at: datetime) -> pl.DataFrame:
    return rows.with_columns(
        pl.lit(True).alias("joined"),
        pl.lit(updated_at).cast(pl.Datetime("ms", "UTC")).alias("updated_at"),
    ).select(q.SCORE_COLUMNS)


def _matched(scores: pl.DataFrame, calls: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """`scores` with the project and dimensions of the call each names, matched on `keys` and the span (a
    trace-level score: the first call of its trace)."""
    taken = [*keys, *(["project"] if "project" not in keys else []), *q.DIMENSIONS]
    by_span = scores.filter(pl.col("span_id") != "").join(
        calls.select([*taken, "span_id"]).unique([*keys, "span_id"], keep="first", maintain_order=True),
        on=[*keys, "span_id"], how="inner")
    first_calls = calls.sort("timestamp").group_by(keys, maintain_order=True).first()
    by_trace = scores.filter(pl.col("span_id") == "").join(first_calls.select(taken), on=keys, how="inner")
    return pl.concat([by_span, by_trace], how="diagonal_relaxed")


def join_scores(scores: pl.DataFrame, calls: pl.DataFrame, updated_at: datetime) -> pl.DataFrame:
    """The `scores` whose call is in `calls`, in their own project, with its dimensions: the rows to insert."""
    return _joined(_matched(scores, calls, ["project", "trace_id"]), updated_at)


def move_feedback(scores: pl.DataFrame, calls: pl.DataFrame, updated_at: datetime) -> tuple[pl.DataFrame, list[str]]:
    """Feedback whose call is stored only in another project: its rows there (joined, with that project's score
    id) and the score ids of the rows they replace."""
    feedback = scores.filter(pl.col("source") == SOURCE)
    at_home = _matched(feedback, calls, ["project", "trace_id"])
    away = feedback.join(at_home.select("score_id"), on="score_id", how="anti")
    found = _matched(away.rename({"project": "old_project"}), calls, ["trace_id"])
    found = found.filter(pl.col("project") != pl.col("old_project"))
    new_ids = [feedback_score_id(r["project"], r["trace_id"], r["span_id"], r["name"], r["evaluator"])
               for r in found.iter_rows(named=True)]
    moved = found.with_columns(pl.Series("score_id", new_ids, dtype=pl.String))
    return _joined(moved, updated_at), found["score_id"].to_list()


def run_score_join(store: Store, now: datetime, window: timedelta = JOIN_HORIZON, limit: int = 100_000,
                   move: bool = True) -> ScoreJoinResult:
    """Join the unjoined scores of the last `window` whose call has arrived; with `move` (ingest is open), move
    feedback whose call is in another project there."""
    expired = q.unjoined_feedback(store, now - window)
    oldest = expired["oldest_expired"]
    report = {"expired_feedback": expired["expired"],
              "oldest_expired_feedback": oldest.isoformat() if oldest is not None else None}
    scores = q.unjoined_scores(store, now - window, limit)
    if not scores.height:
        return ScoreJoinResult(0, 0, **report)
    traces = scores["trace_id"].unique().to_list()
    calls = q.calls_of_traces(store, traces)
    rows = join_scores(scores, calls, now)
    moved, old_ids = move_feedback(scores, calls, now) if move else (rows.clear(), [])
    if moved.height:  # feedback of that id already in the call's project is newer: keep it
        stored = q.score_times(store, traces, moved["score_id"].to_list())
        moved = moved.filter(~pl.col("score_id").is_in(list(stored)))
    if rows.height or moved.height:
        store.insert_arrow("quality_scores", pl.concat([rows, moved]).to_arrow())
    if old_ids:
        q.delete_scores(store, traces, old_ids)
    if rows.height or old_ids:  # scores still waiting for their call are not news: no line for them
        log.info("score join unjoined=%d joined=%d moved=%d", scores.height, rows.height, len(old_ids))
    return ScoreJoinResult(scores.height, rows.height + moved.height, len(old_ids), **report)
