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


def pass_rate_over_time(series: QualityTimeseries, name: str) -> go.Figure:
    """Pass rate of the score `name` per bucket, one line per series (model, feature or team)."""
    per_series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for point in series.points:
        if point.name == name and point.count:
            per_series[point.series or UNKNOWN].append((parse_time(point.bucket), point.good / point.count))
    colors = series_colors(per_series)
    figure = go.Figure()
    for label in sorted(per_series):
        times, rates = zip(*sorted(per_series[label]), strict=True)
        figure.add_trace(go.Scatter(x=times, y=rates, name=label, mode="lines+markers",
                                    line={"color": colors[label]},
                                    hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>%{y:.1%}<extra>" + label + "</extra>"))
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
