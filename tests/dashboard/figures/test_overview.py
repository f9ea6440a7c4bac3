"""The Overview page's figures and table rows from the API's summary and time series."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from client.models.llm import Summary, Timeseries
from dashboard.figures import overview as figures
from dashboard.figures.common import series_colors
from tests.helpers.wire import make

SERIES = make(Timeseries, since="2026-11-21T00:00:00Z", until="2026-11-21T03:00:00Z", step_seconds=3600, points=[
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "gpt-4o", "requests": 3, "errors": 1,
     "input_tokens": 300, "output_tokens": 30},
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "claude", "requests": 1, "errors": 0,
     "input_tokens": 100, "output_tokens": 10},
    {"bucket": "2026-11-21T02:00:00.000000000Z", "series": "gpt-4o", "requests": 2, "errors": 0,
     "input_tokens": 20, "output_tokens": 2},
    {"bucket": "2026-11-21T02:00:00.000000000Z", "series": "", "requests": 1, "errors": 1,
     "input_tokens": 0, "output_tokens": 0},
])
SUMMARY = make(Summary, by_model=[
    {"model": "gpt-4o", "requests": 5, "errors": 1, "error_rate": 0.2,
     "tokens": {"input": 320, "output": 32, "cache_read": 5, "cache_write": 0, "reasoning": 3, "total": 352},
     "latency_ms": {"p50": 100.0, "p95": 250.0, "p99": 300.0}},
    {"model": "", "requests": 1, "errors": 1, "error_rate": 1.0,
     "tokens": {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0, "reasoning": 0, "total": 0},
     "latency_ms": {"p50": 5.0, "p95": 5.0, "p99": 5.0}},
])


def test_requests_stack_by_model_largest_first_with_stable_colours():
    colors = series_colors(["gpt-4o", "claude", "(unknown)"])
    figure = figures.requests_over_time(SERIES, colors)
    assert [trace.name for trace in figure.data] == ["gpt-4o", "(unknown)", "claude"]
    gpt = figure.data[0]
    assert list(gpt.y) == [3, 2] and gpt.marker.color == colors["gpt-4o"]
    assert figure.layout.barmode == "stack"
    assert list(figure.layout.xaxis.range) == [datetime(2026, 11, 21, 0), datetime(2026, 11, 21, 3)]


def test_a_model_keeps_its_colour_on_every_chart():
    colors = series_colors(figures.model_names(SUMMARY.by_model) + ["claude"])
    requests, tokens = figures.requests_over_time(SERIES, colors), figures.tokens_over_time(SERIES, colors)
    assert {t.name: t.marker.color for t in requests.data} == {t.name: t.marker.color for t in tokens.data}
    assert len(set(colors.values())) == 3


def test_tokens_are_input_plus_output():
    figure = figures.tokens_over_time(SERIES)
    by_name = {trace.name: list(trace.y) for trace in figure.data}
    assert by_name == {"gpt-4o": [330, 22], "claude": [110], "(unknown)": [0]}


def test_error_rate_breaks_where_there_were_no_requests():
    trace = figures.error_rate_over_time(SERIES).data[0]
    assert list(trace.x) == [datetime(2026, 11, 21, h) for h in (0, 1, 2)]
    assert list(trace.y) == [0.25, None, 1 / 3]
    assert list(figures.error_rate_over_time(SERIES).layout.yaxis.range) == pytest.approx([0, 0.4]), \
        "headroom above the highest rate (1/3)"


def test_latency_by_model_and_table_rows():
    figure = figures.latency_by_model(SUMMARY)
    assert [trace.name for trace in figure.data] == ["p50", "p95", "p99"]
    assert list(figure.data[1].x) == ["gpt-4o", "(unknown)"] and list(figure.data[1].y) == [250.0, 5.0]
    rows = figures.by_model_rows(SUMMARY)
    assert rows[0]["model"] == "gpt-4o" and rows[0]["total tokens"] == 352 and rows[1]["model"] == "(unknown)"


def test_totals_per_bucket_fill_the_range():
    assert figures.totals_per_bucket(SERIES, lambda p: p.requests) == [4, 0, 3]
    assert figures.totals_per_bucket(SERIES, lambda p: p.input_tokens + p.output_tokens) == [440, 0, 22]


def test_p95_line_per_model_breaks_where_a_model_had_no_calls():
    points = [{**p, "p95_latency_ms": latency} for p, latency in
              zip(SERIES.model_dump()["points"], (250.0, 90.0, 120.0, None), strict=True)]
    figure = figures.p95_over_time(make(Timeseries, **{**SERIES.model_dump(), "points": points}))
    lines = {trace.name: list(trace.y) for trace in figure.data}
    assert lines["gpt-4o"] == [250.0, None, 120.0]  # 01:00 had no gpt-4o call: a gap, not 0 ms
    assert lines["claude"] == [90.0, None, None]
    assert lines["(unknown)"] == [None, None, None]  # a series whose only bucket reported no latency


def test_previous_window_is_the_same_length_just_before():
    assert figures.previous_window("2026-11-21T06:00:00Z", "2026-11-21T12:00:00.500000Z") == (
        "2026-11-20T23:59:59.500000Z", "2026-11-21T06:00:00.000000Z")


@pytest.mark.parametrize(("current", "previous", "expected"), [
    (120, 100, "+20.0%"), (75, 100, "-25.0%"), (5, 0, None), (5, None, None), (None, 5, None),
])
def test_change_against_the_previous_period(current, previous, expected):
    assert figures.change(current, previous) == expected


def test_money_change_is_exact_and_rates_change_in_points():
    assert figures.change(Decimal("0.30"), Decimal("0.20")) == "+50.0%"
    assert figures.rate_change(0.05, 0.02, had_previous=True) == "+3.0 pp"
    assert figures.rate_change(0.05, 0.0, had_previous=False) is None
