"""The operation rollups: the operations view read through them equals the answer computed from the spans (calls
and errors exactly, latency percentiles within the stated rank tolerance), with retried spans, late spans and
every filter; what the job has not rolled up yet is read from `otel_traces`, so no answer waits for it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from collector.normalise.genai_aliases import MODEL_OPERATIONS
from collector.normalise.genai_view import span_sql
from pipelines.operations.rollup_job import JOB_NAME, run_operation_rollup_job
from store.base import query_rows
from store.queries import minute_rollups, watermarks
from store.queries.operations import OPERATIONS, OperationFilters, operations
from tests.helpers.rollup_calls import within_rank
from tests.helpers.rollup_operations import expected, insert, random_spans, retried

SQL = span_sql()
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
NOW1 = T0 + timedelta(hours=2, minutes=30, seconds=20)  # covers up to T0 + 2:30; the last 20 minutes stay raw
FULL = (T0 - timedelta(minutes=10), T0 + timedelta(hours=3))
UNALIGNED = (T0 + timedelta(minutes=5, seconds=7), T0 + timedelta(hours=2, minutes=41, seconds=3))
INSIDE_AN_HOUR = (T0 + timedelta(minutes=10), T0 + timedelta(minutes=20, seconds=30))
FILTERS = [{}, {"projects": ("p1",)}, {"projects": ("default",)}, {"services": ("agent-app", "batch")},
           {"operations": ("execute_tool",)}, {"operations": ("retrieval", "invoke_agent")}, {"names": ("web_search",)},
           {"names": ("retrieve docs",)}, {"projects": ("p2",), "services": ("support-bot",),
                                           "operations": ("execute_tool",), "names": ("calculator", "planner")}]


def read(store, window, **kwargs) -> list[dict]:
    return operations(store, OperationFilters(*window, **kwargs), SQL, MODEL_OPERATIONS, 1000)


def check(store, spans, window, **kwargs) -> None:
    got = read(store, window, **kwargs)
    want = expected(spans, OperationFilters(*window, **kwargs))
    by_key = {(r["operation"], r["name"], r["service"]): r for r in got}
    assert set(by_key) == set(want), (window, kwargs)
    assert [r["calls"] for r in got] == sorted((r["calls"] for r in got), reverse=True)  # busiest first
    for key, exact in want.items():
        row = by_key[key]
        assert (row["calls"], row["errors"]) == (exact["calls"], exact["errors"]), (window, kwargs, key)
        for level, q in zip(row["latency_ns"], (0.5, 0.95, 0.99), strict=True):
            assert within_rank(exact["durations_ms"], q, level / 1e6), (window, kwargs, key, q)


def check_everything(store, spans) -> None:
    for window in (FULL, UNALIGNED, INSIDE_AN_HOUR):
        for kwargs in FILTERS:
            check(store, spans, window, **kwargs)


def sources(store, window=FULL) -> set[str]:
    return {p.source for p in minute_rollups.pieces(store, OPERATIONS, *window)}


@pytest.fixture
def spans(store):
    """3,000 spans over three hours and a bit (agents, tools, retrieval, model calls, HTTP), one in ten twice: every
    delivered copy."""
    rng = random.Random(26)
    stored = random_spans(rng, 3000, T0 - timedelta(minutes=7, seconds=47), T0 + timedelta(hours=2, minutes=50))
    insert(store, stored)
    copies = retried(rng.sample(stored, 300))
    insert(store, copies)
    return stored + copies


def test_before_the_job_ever_runs_everything_is_read_raw_and_counted_once(store, spans):
    assert sources(store) == {"raw"}
    check(store, spans, FULL)
    check(store, spans, UNALIGNED, operations=("execute_tool",))


def test_rollup_answers_equal_raw_answers_with_retries_late_spans_and_every_filter(store, spans):
    run_operation_rollup_job(store, NOW1, SQL, MODEL_OPERATIONS)
    assert sources(store) == {"hours", "minutes", "raw"}
    check_everything(store, spans)
    rolled = query_rows(store, "SELECT DISTINCT operation FROM operations_1m FINAL")
    assert {r["operation"] for r in rolled} == {"execute_tool", "invoke_agent", "retrieval"}  # no model calls

    # Late spans for minutes already rolled up, and retries of spans already counted, ingested after the run.
    rng = random.Random(7)
    late_at = NOW1 + timedelta(seconds=5)
    late = retried(random_spans(rng, 200, T0 + timedelta(minutes=20), T0 + timedelta(minutes=40), prefix="late"),
                   late_at)
    insert(store, late)
    again = retried([s for s in spans if T0 + timedelta(minutes=90) <= s.timestamp < T0 + timedelta(minutes=100)],
                    late_at)
    insert(store, again)
    spans = spans + late + again
    # Not rolled up yet: their minutes are read raw, so the answers already count them (once).
    pieces = minute_rollups.pieces(store, OPERATIONS, *FULL)
    assert any(p.source == "raw" and p.end <= T0 + timedelta(hours=2) for p in pieces)
    check_everything(store, spans)

    result = run_operation_rollup_job(store, NOW1 + timedelta(minutes=1), SQL, MODEL_OPERATIONS)
    assert result["minutes"] > 0
    pieces = minute_rollups.pieces(store, OPERATIONS, *FULL)
    assert all(p.source != "raw" for p in pieces if p.end <= T0 + timedelta(hours=2))
    check_everything(store, spans)
    rolled_calls = query_rows(store, "SELECT sum(calls) AS n FROM operations_1h FINAL WHERE period < "
                                     "{end:DateTime('UTC')}", {"end": "2026-11-20 11:00:00"})[0]["n"]
    assert rolled_calls == len({(s.trace_id, s.span_id) for s in spans if s.timestamp < T0 + timedelta(hours=2)
                                and s.operation not in ("", "chat")})


def test_a_stopped_run_leaves_its_watermark_so_the_next_does_the_work(store, spans):
    stopped = run_operation_rollup_job(store, NOW1, SQL, MODEL_OPERATIONS, should_stop=lambda: True)
    assert stopped["stopped"] and watermarks.watermark(store, JOB_NAME) is None
    assert sources(store) == {"raw"}
    done = run_operation_rollup_job(store, NOW1, SQL, MODEL_OPERATIONS)
    assert "stopped" not in done and done["minutes"] == stopped["minutes"] > 0
    check(store, spans, FULL)


def test_whole_days_are_read_from_the_day_rollup_equal_to_the_spans(store):
    start, now = datetime(2026, 11, 17, 15, 0, tzinfo=timezone.utc), datetime(2026, 11, 20, 10, 0, 30, tzinfo=timezone.utc)
    rng = random.Random(27)
    stored = random_spans(rng, 1500, start, now - timedelta(minutes=1))
    insert(store, stored)
    spans = stored + retried(rng.sample(stored, 150))
    insert(store, spans[len(stored):])
    run_operation_rollup_job(store, now, SQL, MODEL_OPERATIONS)
    window = (start + timedelta(minutes=5), now)
    pieces = minute_rollups.pieces(store, OPERATIONS, *window)
    assert [(p.start.day, p.end.day) for p in pieces if p.source == "days"] == [(18, 20)]
    for kwargs in FILTERS:
        check(store, spans, window, **kwargs)
