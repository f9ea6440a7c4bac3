"""The Overview page's figures and table rows, as pure functions of the API's summary and time series.

Pages only fetch and place; the shaping of numbers into traces lives here so it can be
tested without a browser or a service. Choices that matter to the reader of a chart:
- time charts always span the selected range, so "no bars" visibly means "no traffic";
- the error-rate line breaks where a bucket has no requests instead of drawing 0% or
  joining its neighbours across the gap, since neither would be true.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from client.models.llm import ModelTotals, Summary, Timeseries, TimeseriesPoint
from dashboard.figures.common import PALETTE, bucket_grid, label, parse_time, series_colors

PERCENTILES = (("p50", "#9ecae1"), ("p95", "#4292c6"), ("p99", "#08519c"))
_HEIGHT = 320


def requests_over_time(timeseries: Timeseries, colors: Mapping[str, str] | None = None) -> go.Figure:
    """Requests per bucket, stacked by series (by model when the API was asked `by=model`)."""
    return _stacked(timeseries, lambda p: p.requests, "requests", colors,
                    hover="%{fullData.name}: %{y:,} requests<extra></extra>")


def tokens_over_time(timeseries: Timeseries, colors: Mapping[str, str] | None = None) -> go.Figure:
    """Input + output tokens per bucket, stacked by series; the hover splits input from output."""
    return _stacked(timeseries, lambda p: p.input_tokens + p.output_tokens, "tokens", colors,
                    custom=lambda p: (p.input_tokens, p.output_tokens),
                    hover="%{fullData.name}: %{y:,} tokens "
                          "(in %{customdata[0]:,} / out %{customdata[1]:,})<extra></extra>")


def error_rate_over_time(timeseries: Timeseries) -> go.Figure:
    """Errors / requests per bucket across all series; empty buckets are gaps."""
    since, until, step = _window(timeseries)
    requests: dict[datetime, int] = defaultdict(int)
    errors: dict[datetime, int] = defaultdict(int)
    for point in timeseries.points:
        bucket = parse_time(point.bucket)
        requests[bucket] += point.requests
        errors[bucket] += point.errors
    buckets = sorted(set(bucket_grid(since, until, step)) | set(requests))
    rates = [errors[b] / requests[b] if requests.get(b) else None for b in buckets]
    figure = go.Figure(go.Scatter(
        x=buckets, y=rates, name="error rate", mode="lines+markers", connectgaps=False,
        line={"color": "#d62728", "width": 2}, marker={"size": 6},
        customdata=[(errors.get(b, 0), requests.get(b, 0)) for b in buckets],
        hovertemplate="%{y:.1%} (%{customdata[0]:,} of %{customdata[1]:,} requests)<extra></extra>"))
    _time_layout(figure, since, until, "error rate")
    # Fixed headroom: autorange would put a lone point on the top edge, where it reads as clipped.
    peak = max((rate for rate in rates if rate is not None), default=0.0)
    figure.update_yaxes(tickformat=".0%", range=[0, min(max(peak * 1.2, 0.05), 1.05)])
    figure.update_layout(showlegend=False)
    return figure


def p95_over_time(timeseries: Timeseries, colors: Mapping[str, str] | None = None) -> go.Figure:
    """p95 latency per bucket, one line per series; a bucket without calls is a gap, not a zero."""
    since, until, step = _window(timeseries)
    by_series: dict[str, dict[datetime, float | None]] = defaultdict(dict)
    for point in timeseries.points:
        by_series[label(point.series)][parse_time(point.bucket)] = point.p95_latency_ms
    colors = colors or series_colors(by_series)
    grid = bucket_grid(since, until, step)
    figure = go.Figure()
    for name in sorted(by_series):
        values = by_series[name]
        buckets = sorted(set(grid) | set(values))
        figure.add_scatter(x=buckets, y=[values.get(b) for b in buckets], name=name, mode="lines+markers",
                           connectgaps=False, line={"color": colors.get(name, PALETTE[0]), "width": 2},
                           marker={"size": 5}, hovertemplate=f"{name}: %{{y:,.0f}} ms<extra></extra>")
    _time_layout(figure, since, until, "p95 latency (ms)")
    return figure


def previous_window(since: str, until: str) -> tuple[str, str]:
    """The period of the same length just before [since, until), as RFC 3339 for the API: what "vs previous
    period" compares against."""
    start, end = parse_time(since), parse_time(until)  # naive UTC
    return f"{start - (end - start):%Y-%m-%dT%H:%M:%S.%f}Z", f"{start:%Y-%m-%dT%H:%M:%S.%f}Z"


def change(current: float | Decimal | None, previous: float | Decimal | None) -> str | None:
    """'+12.5%' / '-3.0%' against the previous period; None when there is nothing to compare with (no previous
    value, or it was zero: a change from nothing has no percentage)."""
    if current is None or previous is None or not previous:
        return None
    ratio = (Decimal(str(current)) - Decimal(str(previous))) / Decimal(str(previous))
    return f"{float(ratio):+.1%}"


def rate_change(current: float, previous: float, had_previous: bool) -> str | None:
    """A change of a rate in percentage points ('+1.2 pp'): a relative change of an error rate near zero
    would read '+300%' for one more error."""
    if not had_previous:
        return None
    return f"{(current - previous) * 100:+.1f} pp"


def latency_by_model(summary: Summary) -> go.Figure:
    """p50/p95/p99 latency per model as grouped bars, busiest model first."""
    models = [m for m in summary.by_model if m.requests]
    figure = go.Figure()
    for name, color in PERCENTILES:
        figure.add_bar(x=[label(m.model) for m in models],
                       y=[getattr(m.latency_ms, name) for m in models],
                       name=name, marker_color=color,
                       hovertemplate=f"%{{x}} {name}: %{{y:,.1f}} ms<extra></extra>")
    figure.update_layout(barmode="group", height=_HEIGHT, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_yaxes(title_text="latency (ms)", rangemode="tozero")
    return figure


def by_model_rows(summary: Summary) -> list[dict[str, Any]]:
    """The by-model totals as flat rows for a table, in the API's order (busiest first)."""
    rows = []
    for m in summary.by_model:
        tokens, latency = m.tokens, m.latency_ms
        rows.append({
            "model": label(m.model), "requests": m.requests, "errors": m.errors,
            "error rate": m.error_rate, "input tokens": tokens.input, "output tokens": tokens.output,
            "cache read tokens": tokens.cache_read, "reasoning tokens": tokens.reasoning,
            "total tokens": tokens.total, "p50 ms": latency.p50, "p95 ms": latency.p95,
            "p99 ms": latency.p99,
        })
    return rows


def totals_per_bucket(timeseries: Timeseries, value: Callable[[TimeseriesPoint], float]) -> list[float]:
    """One number per bucket of the range, summed over series, zero where nothing happened.

    For the sparklines on KPI tiles, where a missing bucket means "none", not "unknown".
    """
    since, until, step = _window(timeseries)
    totals: dict[datetime, float] = defaultdict(float)
    for point in timeseries.points:
        totals[parse_time(point.bucket)] += value(point) or 0
    return [totals.get(bucket, 0) for bucket in sorted(set(bucket_grid(since, until, step)) | set(totals))]


def model_names(models: Sequence[ModelTotals]) -> list[str]:
    """The labels charts show for these models (an empty name becomes '(unknown)')."""
    return [label(m.model) for m in models]


def _stacked(timeseries: Timeseries, value: Callable[[TimeseriesPoint], float], unit: str,
             colors: Mapping[str, str] | None, hover: str,
             custom: Callable[[TimeseriesPoint], tuple] | None = None) -> go.Figure:
    since, until, step = _window(timeseries)
    by_series: dict[str, list[TimeseriesPoint]] = defaultdict(list)
    for point in timeseries.points:
        by_series[label(point.series)].append(point)
    colors = colors or series_colors(by_series)
    # Largest series at the bottom of the stack: the steadiest baseline to read against.
    order = sorted(by_series, key=lambda name: (-sum(value(p) for p in by_series[name]), name))
    figure = go.Figure()
    for name in order:
        points = by_series[name]
        figure.add_bar(x=[parse_time(p.bucket) for p in points], y=[value(p) for p in points], name=name,
                       marker_color=colors.get(name, PALETTE[0]), width=step * 1000 * 0.9,
                       customdata=[custom(p) for p in points] if custom else None, hovertemplate=hover)
    _time_layout(figure, since, until, unit)
    figure.update_layout(barmode="stack", showlegend=True)
    return figure


def _window(timeseries: Timeseries) -> tuple[datetime, datetime, int]:
    return parse_time(timeseries.since), parse_time(timeseries.until), timeseries.step_seconds


def _time_layout(figure: go.Figure, since: datetime, until: datetime, unit: str) -> None:
    figure.update_layout(height=_HEIGHT, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_xaxes(range=[since, until], title_text="time (UTC)")
    figure.update_yaxes(title_text=unit, rangemode="tozero")
