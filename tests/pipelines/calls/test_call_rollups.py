"""The call rollups: answers read through them equal the raw answers (counts, errors and tokens exactly,
percentiles within the stated rank tolerance), with retried spans, late spans and every filter and split;
what the job has not rolled up yet is read raw, so no answer waits for it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from pipelines.calls.rollup_job import JOB_NAME, run_call_rollup_job
from store import queries
from store.base import query_rows
from store.queries import call_sources, watermarks
from tests.helpers.rollup_calls import (
    expected_series,
    expected_summary,
    insert,
    random_calls,
    retried,
    within_rank,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
NOW1 = T0 + timedelta(hours=2, minutes=30, seconds=20)  # covers up to T0 + 2:30; the last 20 minutes stay raw
FULL = (T0 - timedelta(minutes=10), T0 + timedelta(hours=3))
UNALIGNED = (T0 + timedelta(minutes=5, seconds=7), T0 + timedelta(hours=2, minutes=41, seconds=3))
INSIDE_AN_HOUR = (T0 + timedelta(minutes=10), T0 + timedelta(minutes=20, seconds=30))
FILTERS = [
    {}, {"projects": ("p1",)}, {"services": ("search", "agent")}, {"models": ("gpt-4o-2024-08-06",)},
    {"models": ("claude-sonnet-4",)}, {"extra": {"environment": ("prod",)}}, {"extra": {"operation": ("chat",)}},
    {"extra": {"provider": ("anthropic",)}}, {"extra": {"status": ("ok",)}}, {"extra": {"status": ("unset",)}},
    {"extra": {"status": ("error",)}}, {"extra": {"error_type": ("timeout",)}}, {"extra": {"team": ("b",)}},
    {"extra": {"feature": ("rerank",)}}, {"extra": {"user_id": ("u3",)}},
    {"projects": ("p2",), "models": ("gpt-4o",), "extra": {"team": ("a",), "status": ("ok",)}},
]


def filters(window: tuple[datetime, datetime], **kwargs) -> queries.Filters:
    return queries.Filters(*window, **kwargs)


def check_summary(store, calls, f: queries.Filters) -> None:
    got, want = queries.summary(store, f), expected_summary(calls, f)
    by_model = {m["model"]: m for m in got["by_model"]}
    assert set(by_model) == set(want["by_model"]), f
    for answer, exact in [(got["overall"], want["overall"]), *((by_model[m], want["by_model"][m]) for m in by_model)]:
        tokens = {k: v for k, v in answer["tokens"].items() if k != "total"}
        assert (answer["requests"], answer["errors"], tokens, answer["streamed_requests"]) == (
            exact["requests"], exact["errors"], exact["tokens"], exact["streamed_requests"]), f
        for level, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            assert within_rank(exact["durations_ms"], q, answer["latency_ms"][level]), (f, level, answer["latency_ms"])
            assert within_rank(exact["ttfts_ms"], q, answer["ttft_ms"][level]), (f, level, answer["ttft_ms"])


def check_series(store, calls, f: queries.Filters, step: int, by: str | None) -> None:
    got = {(row["bucket"], row["series"]): row for row in queries.timeseries(store, f, step, by).to_pylist()}
    want = expected_series(calls, f, step, by)
    assert set(got) == set(want), (f, step, by)
    for key, exact in want.items():
        row = got[key]
        assert (row["requests"], row["errors"], row["input_tokens"], row["output_tokens"], row["cache_read_tokens"],
                row["reasoning_tokens"]) == (exact["requests"], exact["errors"], exact["tokens"]["input"],
                                             exact["tokens"]["output"], exact["tokens"]["cache_read"],
                                             exact["tokens"]["reasoning"]), (f, step, by, key)
        assert within_rank(exact["durations_ms"], 0.95, row["p95_latency_ms"]), (f, step, by, key)
        assert within_rank(exact["ttfts_ms"], 0.95, row["p95_ttft_ms"]), (f, step, by, key)


def check_everything(store, calls) -> None:
    for window in (FULL, UNALIGNED, INSIDE_AN_HOUR):
        for kwargs in FILTERS:
            check_summary(store, calls, filters(window, **kwargs))
    for by in (None, *queries.SERIES_BY):
        for step in (30, 60, 300, 3600, 86400):
            check_series(store, calls, filters(UNALIGNED), step, by)
    check_series(store, calls, filters(FULL, extra={"status": ("error",)}), 3600, "model")
    selected = [c for c in calls if FULL[0] <= c.timestamp < FULL[1]]
    assert queries.dimensions(store, filters(FULL)) == {
        "projects": sorted({c.project for c in selected}),
        "environments": sorted({c.environment for c in selected} - {""}),
        "services": sorted({c.service_name for c in selected}), "models": sorted({c.model for c in selected} - {""})}


def sources(store, window=FULL) -> set[str]:
    return {p.source for p in call_sources.pieces(store, filters(window))}


@pytest.fixture
def calls(store):
    """3,000 calls over three hours and a bit, one in ten delivered twice."""
    rng = random.Random(19)
    stored = random_calls(rng, 3000, T0 - timedelta(minutes=7, seconds=47), T0 + timedelta(hours=2, minutes=50))
    insert(store, stored)
    insert(store, retried(rng.sample(stored, 300)))
    return stored


def test_before_the_job_ever_runs_everything_is_read_raw_and_counted(store, calls):
    assert sources(store) == {"raw"}
    check_summary(store, calls, filters(FULL))
    check_series(store, calls, filters(UNALIGNED), 300, "model")


def test_a_summary_is_the_same_number_before_and_after_the_job_rolls_its_range_up(store, calls):
    """Raw calls and rollups keep the same percentile sketch: the dashboard's p95 does not move when the job
    catches up (a different estimator per source would make it jump by up to the estimators' error)."""
    asked = [filters(FULL), filters(UNALIGNED, extra={"team": ("b",)})]
    before = [queries.summary(store, f) for f in asked]
    series_before = queries.timeseries(store, filters(FULL), 3600, "model").to_pylist()
    run_call_rollup_job(store, NOW1)
    assert sources(store) == {"hours", "minutes", "raw"}
    assert [queries.summary(store, f) for f in asked] == before
    assert queries.timeseries(store, filters(FULL), 3600, "model").to_pylist() == series_before


def test_rollup_answers_equal_raw_answers_with_retries_late_spans_and_every_filter_and_split(store, calls):
    run_call_rollup_job(store, NOW1)
    assert sources(store) == {"hours", "minutes", "raw"}
    check_everything(store, calls)

    # Late spans for minutes already rolled up, and retries of spans already counted, ingested after the run
    # (in fewer minutes than MAX_DIRTY, so that the rollups still answer the rest).
    rng = random.Random(7)
    late_at = NOW1 + timedelta(seconds=5)
    late = retried(random_calls(rng, 200, T0 + timedelta(minutes=20), T0 + timedelta(minutes=40), prefix="late"),
                   late_at)
    insert(store, late)
    again = [c for c in calls if T0 + timedelta(minutes=90) <= c.timestamp < T0 + timedelta(minutes=100)]
    insert(store, retried(again, late_at))
    calls = calls + late
    # Not rolled up yet: their minutes are read raw, so the answers already count them (once).
    pieces = call_sources.pieces(store, filters(FULL))
    assert any(p.source == "raw" and p.end <= T0 + timedelta(hours=2) for p in pieces)
    check_everything(store, calls)

    result = run_call_rollup_job(store, NOW1 + timedelta(minutes=1))
    assert result["minutes"] > 0
    assert all(p.source != "raw" for p in call_sources.pieces(store, filters(FULL)) if p.end <= T0 + timedelta(hours=2))
    check_everything(store, calls)
    rolled = query_rows(store, "SELECT sum(calls) AS n FROM llm_calls_1h FINAL WHERE period < {end:DateTime('UTC')}",
                        {"end": "2026-11-20 11:00:00"})[0]["n"]
    assert rolled == len({(c.trace_id, c.span_id) for c in calls if c.timestamp < T0 + timedelta(hours=2)})


def test_an_open_minute_is_rolled_up_when_it_closes(store, calls):
    run_call_rollup_job(store, NOW1)
    minute = query_rows(store, "SELECT count() AS n FROM llm_calls_1m FINAL WHERE period = {m:DateTime('UTC')}",
                        {"m": "2026-11-20 11:30:00"})[0]["n"]
    assert minute == 0  # open at NOW1 - 1 s
    run_call_rollup_job(store, NOW1 + timedelta(seconds=50))
    rolled = query_rows(store, "SELECT sum(calls) AS n FROM llm_calls_1m FINAL WHERE period = {m:DateTime('UTC')}",
                        {"m": "2026-11-20 11:30:00"})[0]["n"]
    minute_start = T0 + timedelta(hours=2, minutes=30)
    assert rolled == sum(minute_start <= c.timestamp < minute_start + timedelta(minutes=1) for c in calls) > 0


def test_a_stopped_run_leaves_its_watermark_so_the_next_does_the_work(store, calls):
    stopped = run_call_rollup_job(store, NOW1, should_stop=lambda: True)
    assert stopped["stopped"] and watermarks.watermark(store, JOB_NAME) is None
    assert sources(store) == {"raw"}
    done = run_call_rollup_job(store, NOW1)
    assert "stopped" not in done and done["minutes"] == stopped["minutes"] > 0
    check_summary(store, calls, filters(FULL))


DAYS_START = datetime(2026, 11, 17, 15, 0, tzinfo=timezone.utc)
DAYS_NOW = datetime(2026, 11, 20, 10, 0, 30, tzinfo=timezone.utc)
MONTHLY = (DAYS_START + timedelta(minutes=5), DAYS_NOW)  # the 18th and 19th whole, edges on the 17th and 20th


def test_whole_days_are_read_from_the_day_rollup_equal_to_raw_and_a_late_call_sends_its_day_back_to_hours(store):
    rng = random.Random(27)
    calls = random_calls(rng, 1500, DAYS_START, DAYS_NOW - timedelta(minutes=1))
    insert(store, calls)
    insert(store, retried(rng.sample(calls, 150)))
    run_call_rollup_job(store, DAYS_NOW)
    pieces = call_sources.pieces(store, filters(MONTHLY))
    assert [(p.start.day, p.end.day) for p in pieces if p.source == "days"] == [(18, 20)]
    for kwargs in FILTERS:
        check_summary(store, calls, filters(MONTHLY, **kwargs))
    for step, by in ((86400, None), (86400, "model"), (3600, "service")):
        check_series(store, calls, filters(MONTHLY), step, by)

    late = random_calls(rng, 40, datetime(2026, 11, 18, 6, tzinfo=timezone.utc),
                        datetime(2026, 11, 18, 6, 10, tzinfo=timezone.utc), prefix="late")
    insert(store, retried(late, DAYS_NOW + timedelta(seconds=5)))
    calls = calls + late
    dirty = call_sources.pieces(store, filters(MONTHLY))
    assert [(p.start.day, p.end.day) for p in dirty if p.source == "days"] == [(19, 20)]  # the 18th is read finer
    check_summary(store, calls, filters(MONTHLY))
    run_call_rollup_job(store, DAYS_NOW + timedelta(minutes=1))
    assert [(p.start.day, p.end.day) for p in call_sources.pieces(store, filters(MONTHLY)) if p.source == "days"] \
        == [(18, 20)]
    check_summary(store, calls, filters(MONTHLY))
    check_series(store, calls, filters(MONTHLY), 86400, "model")


def test_the_open_day_is_derived_once_it_closes_even_without_a_call_after_its_last_run(store):
    day = datetime(2026, 11, 18, tzinfo=timezone.utc)
    calls = random_calls(random.Random(28), 300, day + timedelta(hours=9), day + timedelta(hours=20))
    insert(store, calls)

    def day_rows() -> list[dict]:
        return query_rows(store, "SELECT toDate(period) AS day, sum(calls) AS calls FROM llm_calls_1d FINAL "
                                 "GROUP BY day")

    run_call_rollup_job(store, day + timedelta(hours=21))
    assert day_rows() == [], "an open day is read from hours: deriving it at every run was wasted"
    run_call_rollup_job(store, day + timedelta(hours=23, minutes=59, seconds=59))
    assert day_rows() == []
    run_call_rollup_job(store, day + timedelta(days=1, minutes=30))
    assert [(str(r["day"]), r["calls"]) for r in day_rows()] == [("2026-11-18", len(calls))]
    whole = filters((day, day + timedelta(days=1)))
    assert [p.source for p in call_sources.pieces(store, whole)] == ["days"]
    check_summary(store, calls, whole)
