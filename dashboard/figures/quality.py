"""The quality half of the Quality & Drift page: figures and table rows from the quality API's models, as pure
functions (no Streamlit, no HTTP).

Reading guide for the charts:
- the time chart shows the pass rate (share of scores that pass; see QualityRules in
  store/queries/quality.py), which exists for every score, labelled or numeric; the mean
  value is in the summary table;
- every worst evaluation links to its trace on the Requests page (`requests?trace=...`), so one click shows
  the trace's spans, model, tokens, latency and cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go

from client.models.quality import (
    CostPerGood,
    QualityFeedback,
    QualitySummary,
    QualityTimeseries,
    QualityWorst,
    Score,
    UnjoinedFeedback,
)
from dashboard.figures.common import UNKNOWN, parse_time, series_colors
from dashboard.format import money, number, percent, timestamp


def summary_rows(summary: QualitySummary) -> list[dict[str, Any]]:
    """One row per score: source, name, count, mean, pass rate ("–" for a score without values)."""
    return [{"source": r.source, "score": r.name, "count": r.count, "mean": number(r.mean, ".3f"),
             "pass rate": percent(r.pass_rate)} for r in summary.scores]


# A pass rate over fewer evaluations than this jumps between 0 % and 100 % and says nothing.
MIN_PER_BUCKET = 20
_STEPS = (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)


def bucket_for(series: QualityTimeseries, name: str) -> int | None:
    """A bucket width (seconds) wide enough that each line's buckets hold about MIN_PER_BUCKET evaluations of
    `name`, from what the series already holds; None when its own step already does (or no wider one helps)."""
    counts: dict[str, int] = defaultdict(int)
    for point in series.points:
        if point.name == name:
            counts[point.series] += point.count
    if not counts:
        return None
    span = (parse_time(series.until) - parse_time(series.since)).total_seconds()
    thinnest = min(counts.values())
    wide_enough = (step for step in _STEPS  # enough evaluations, or one bucket over the whole range
                   if step >= series.step_seconds and (thinnest * step / span >= MIN_PER_BUCKET or step >= span))
    step = next(wide_enough, _STEPS[-1])
    return step if step > series.step_seconds else None


def bucket_words(step_seconds: int) -> str:
    """300 -> '5-minute', 3600 -> '1-hour', 86400 -> '1-day': a bucket width for a caption."""
    for unit, words in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if step_seconds % unit == 0:
            return f"{step_seconds // unit}-{words}"
    return f"{step_seconds}-second"


def pass_rate_over_time(series: QualityTimeseries, name: str) -> go.Figure:
    """Pass rate of the score `name` per bucket, one line per series (model, feature or team); the marker's
    size and the hover say how many evaluations each point stands on."""
    per_series: dict[str, list[tuple[datetime, float, int, int]]] = defaultdict(list)
    for point in series.points:
        if point.name == name and point.count:
            per_series[point.series or UNKNOWN].append(
                (parse_time(point.bucket), point.good / point.count, point.good, point.count))
    colors = series_colors(per_series)
    largest = max((p[3] for points in per_series.values() for p in points), default=1)
    figure = go.Figure()
    for label in sorted(per_series):
        times, rates, good, counts = zip(*sorted(per_series[label]), strict=True)
        figure.add_trace(go.Scatter(
            x=times, y=rates, name=label, mode="lines+markers", line={"color": colors[label]},
            marker={"size": [5 + 10 * (count / largest) ** 0.5 for count in counts]},
            customdata=list(zip(good, counts, strict=True)),
            hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>%{y:.1%} (%{customdata[0]:,} of %{customdata[1]:,} "
                          "passed)<extra>" + label + "</extra>"))
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h"},
                         yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": "pass rate"},
                         xaxis={"title": "UTC", "range": [parse_time(series.since), parse_time(series.until)]})
    return figure


def trace_link(score: Score) -> str:
    """The Requests page with the score's trace open; relative, so it works under any base path."""
    return f"requests?{urlencode({'trace': score.trace_id})}"


def _cell(value: Any) -> str:
    """Text safe inside a markdown table cell."""
    text = "–" if value is None or value == "" else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def worst_table(worst: QualityWorst) -> str:
    """The worst evaluations as a markdown table whose last column opens the trace on the Requests page.

    Markdown rather than a data grid: the grid draws on a canvas, where a link is neither
    a real anchor for the browser nor visible to assistive technology.
    """
    lines = ["| time (UTC) | score | value | label | model | evaluator | comment | trace |",
             "|---|---|---|---|---|---|---|---|"]
    for r in worst.rows:
        value = None if r.value is None else f"{r.value:.3g}"
        cells = [f"{parse_time(r.timestamp):%Y-%m-%d %H:%M}", r.name, value, r.label, r.model, r.evaluator,
                 r.comment]
        lines.append("| " + " | ".join(map(_cell, cells)) + f" | [open trace]({trace_link(r)}) |")
    return "\n".join(lines)


def feedback_rows(feedback: QualityFeedback) -> list[dict[str, Any]]:
    """The feedback stream as table rows, newest first."""
    return [{"time (UTC)": timestamp(r.timestamp), "feedback": "👍" if r.positive else "👎",
             "name": r.name, "value": number(r.value, ".3g"), "label": r.label, "comment": r.comment,
             "user": r.evaluator, "model": r.model or "(not joined yet)", "trace_id": r.trace_id}
            for r in feedback.rows]


def expired_feedback(unjoined: UnjoinedFeedback) -> str:
    """The warning for feedback whose call was not found within the join horizon."""
    days = unjoined.horizon_seconds // 86400
    oldest = f", the oldest from {parse_time(unjoined.oldest_expired):%Y-%m-%d}" if unjoined.oldest_expired else ""
    return (f"{unjoined.expired} feedback item(s) never found their call within {days} days{oldest}: check the "
            "trace and span ids the application sends, and its project.")


def cost_rows(rows: Sequence[CostPerGood], by: str, good: str) -> list[dict[str, Any]]:
    """Cost per good outcome rows; money stays Decimal (formatted, never a float)."""
    return [{by: r.series or UNKNOWN, "scored calls": r.calls, good: r.good,
             "cost of scored calls": money(r.cost), f"cost per {good.rstrip('s')}": money(r.cost_per_good),
             "unpriced calls": r.unpriced_calls} for r in rows]
