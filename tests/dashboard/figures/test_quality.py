"""The quality figures: the pass-rate chart, the worst table with trace links, money formatting, feedback rows."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from client.models.quality import (
    CostPerGood,
    QualityFeedback,
    QualitySummary,
    QualityTimeseries,
    QualityWorst,
    UnjoinedFeedback,
)
from dashboard.figures.quality import (
    MIN_PER_BUCKET,
    bucket_for,
    bucket_words,
    cost_rows,
    expired_feedback,
    feedback_rows,
    pass_rate_over_time,
    summary_rows,
    worst_table,
)
from tests.helpers.wire import make

SERIES = make(QualityTimeseries, since="2026-11-21T00:00:00Z", until="2026-11-21T03:00:00Z", points=[
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "gpt-4o", "name": "relevance", "count": 4, "good": 3},
    {"bucket": "2026-11-21T01:00:00.000000000Z", "series": "gpt-4o", "name": "relevance", "count": 2, "good": 0},
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "", "name": "relevance", "count": 1, "good": 1},
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "gpt-4o", "name": "tone", "count": 5, "good": 5},
])


def test_pass_rate_chart_has_one_line_per_series_for_the_chosen_score():
    figure = pass_rate_over_time(SERIES, "relevance")
    lines = {trace.name: list(trace.y) for trace in figure.data}
    assert lines == {"gpt-4o": [0.75, 0.0], "(unknown)": [1.0]}
    counts = {trace.name: [tuple(c) for c in trace.customdata] for trace in figure.data}
    assert counts["gpt-4o"] == [(3, 4), (0, 2)], "each point carries how many evaluations it stands on"


def _scores(per_hour: int, hours: int, step: int = 300) -> QualityTimeseries:
    return make(QualityTimeseries, since="2026-11-21T00:00:00Z", until=f"2026-11-21T{hours:02d}:00:00Z",
                step_seconds=step, points=[
                    {"bucket": f"2026-11-21T{h:02d}:00:00Z", "series": s, "name": "relevance", "count": per_hour,
                     "good": per_hour // 2} for h in range(hours) for s in ("a", "b")])


def test_buckets_widen_until_each_point_stands_on_enough_evaluations():
    # 4 evaluations per hour per model over 6 hours: 5-minute buckets hold one or two; 6-hour ones hold 24.
    assert bucket_for(_scores(per_hour=4, hours=6), "relevance") == 6 * 3600
    assert bucket_for(_scores(per_hour=400, hours=6), "relevance") is None, "5-minute buckets already hold 33"
    assert bucket_for(_scores(per_hour=40, hours=6), "relevance") == 1800
    assert 40 * 1800 / 3600 >= MIN_PER_BUCKET
    # Too few for any bucket: one bucket over the whole range rather than a jumpy line.
    assert bucket_for(_scores(per_hour=1, hours=6), "relevance") == 6 * 3600
    assert bucket_for(_scores(per_hour=1, hours=6), "tone") is None, "no such score: nothing to choose"
    assert bucket_words(1800) == "30-minute" and bucket_words(86400) == "1-day"


def test_worst_table_links_each_row_to_its_trace_and_escapes_cells():
    worst = make(QualityWorst, rows=[{"timestamp": "2026-11-21T10:00:00.000000000Z", "trace_id": "ab" * 16,
                                      "name": "tone", "value": 0.123456, "label": "fail", "model": "gpt-4o",
                                      "evaluator": "judge", "comment": "rude | curt\nreally"}])
    header, rule, row = worst_table(worst).splitlines()
    assert "rude \\| curt really" in row and "| 0.123 |" in row
    url = row.split("](")[1].rstrip(") |")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("", "requests"), "relative: the Requests page under any base path"
    assert parse_qs(parts.query) == {"trace": ["ab" * 16]}


def test_cost_rows_keep_decimal_money():
    rows = cost_rows([make(CostPerGood, series="gpt-4o", calls=2, good=1, cost="0.013", cost_per_good="0.013"),
                      make(CostPerGood, series="", calls=1, good=0, cost="1234.5", cost_per_good=None,
                           unpriced_calls=1),
                      make(CostPerGood, series="free", calls=1, good=1, cost="0", cost_per_good="0")],
                     "model", "passing evaluations")
    assert rows[0]["cost of scored calls"] == "$0.013" and rows[0]["cost per passing evaluation"] == "$0.013"
    assert rows[1]["model"] == "(unknown)" and rows[1]["cost of scored calls"] == "$1,234.50"
    assert rows[1]["cost per passing evaluation"] == "–"
    assert rows[2]["cost per passing evaluation"] == "$0.00", "a zero cost is a cost, not an unknown one"


def test_summary_rows():
    summary = make(QualitySummary, scores=[{"source": "eval", "name": "relevance", "count": 3, "mean": 0.6,
                                            "pass_rate": 0.5},
                                           {"source": "eval", "name": "label-only", "count": 1}])
    assert summary_rows(summary) == [
        {"source": "eval", "score": "relevance", "count": 3, "mean": "0.600", "pass rate": "50.0%"},
        {"source": "eval", "score": "label-only", "count": 1, "mean": "–", "pass rate": "–"}]


def test_feedback_rows_say_positive_and_not_yet_joined():
    feedback = make(QualityFeedback, rows=[
        {"timestamp": "2026-11-21T10:00:00.000000000Z", "name": "thumbs", "value": 1.0, "positive": 1,
         "evaluator": "u-42", "model": "gpt-4o", "trace_id": "t1"},
        {"timestamp": "2026-11-21T09:00:00.000000000Z", "name": "thumbs", "value": -1.0, "positive": 0,
         "model": "", "trace_id": "t2"}])
    up, down = feedback_rows(feedback)
    assert (up["feedback"], up["user"], up["time (UTC)"], up["value"]) == ("👍", "u-42", "2026-11-21 10:00:00", "1")
    assert (down["feedback"], down["model"]) == ("👎", "(not joined yet)")


def test_feedback_that_never_found_its_call_is_worded_with_the_horizon_and_the_oldest():
    unjoined = make(UnjoinedFeedback, horizon_seconds=7 * 86400, waiting=1, expired=3,
                    oldest_expired="2026-11-02T08:00:00.000000000Z")
    assert expired_feedback(unjoined).startswith("3 feedback item(s) never found their call within 7 days, "
                                                 "the oldest from 2026-11-02:")
