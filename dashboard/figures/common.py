"""Plotly figures built from the REST API's JSON, as pure functions.

Pages only fetch and place; the shaping of numbers into traces lives here so it can be
tested without a browser or a service. Every function takes the API's JSON as it arrives
(`/api/v1/timeseries`, `/api/v1/summary`) and returns a `go.Figure` or plain rows.

Choices that matter to the reader of a chart:
- a model keeps one colour on every chart (`series_colors`), so the eye can follow it;
- time charts always span the selected range, so "no bars" visibly means "no traffic";
- the error-rate line breaks where a bucket has no requests instead of drawing 0% or
  joining its neighbours across the gap, since neither would be true.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import plotly.graph_objects as go
from plotly.colors import qualitative

PALETTE: tuple[str, ...] = tuple(qualitative.Plotly)
UNKNOWN = "(unknown)"
PERCENTILES = (("p50", "#9ecae1"), ("p95", "#4292c6"), ("p99", "#08519c"))
_HEIGHT = 320


def parse_time(text: str) -> datetime:
    """An API timestamp (RFC 3339, up to nine fraction digits) as a naive UTC datetime.

    Naive because Plotly.js has no time zones: an offset in the string would be dropped or
    misread, so every time axis is labelled UTC and fed UTC wall-clock values.
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def bucket_grid(since: datetime, until: datetime, step_seconds: int) -> list[datetime]:
    """Every bucket start in [since, until) on the API's grid (multiples of the step since the epoch)."""
    if step_seconds <= 0:
        raise ValueError("step_seconds must be positive")
    epoch = datetime(1970, 1, 1)
    first = int((since - epoch).total_seconds() // step_seconds) * step_seconds
    grid, current = [], epoch + timedelta(seconds=first)
    step = timedelta(seconds=step_seconds)
    while current < until:
        grid.append(current)
        current += step
    return grid


def series_colors(names: Iterable[str]) -> dict[str, str]:
    """A stable colour per name (sorted order), shared by all charts of a page."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def requests_over_time(timeseries: Mapping[str, Any], colors: Mapping[str, str] | None = None) -> go.Figure:
    """Requests per bucket, stacked by series (by model when the API was asked `by=model`)."""
    return _stacked(timeseries, lambda p: p["requests"], "requests", colors,
                    hover="%{fullData.name}: %{y:,} requests<extra></extra>")


def tokens_over_time(timeseries: Mapping[str, Any], colors: Mapping[str, str] | None = None) -> go.Figure:
    """Input + output tokens per bucket, stacked by series; the hover splits input from output."""
    return _stacked(timeseries, lambda p: p["input_tokens"] + p["output_tokens"], "tokens", colors,
                    custom=lambda p: (p["input_tokens"], p["output_tokens"]),
                    hover="%{fullData.name}: %{y:,} tokens "
                          "(in %{customdata[0]:,} / out %{customdata[1]:,})<extra></extra>")


def error_rate_over_time(timeseries: Mapping[str, Any]) -> go.Figure:
    """Errors / requests per bucket across all series; empty buckets are gaps."""
    since, until, step = _window(timeseries)
    requests: dict[datetime, int] = defaultdict(int)
    errors: dict[datetime, int] = defaultdict(int)
    for point in timeseries.get("points", []):
        bucket = parse_time(point["bucket"])
        requests[bucket] += point["requests"]
        errors[bucket] += point["errors"]
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


def latency_by_model(summary: Mapping[str, Any]) -> go.Figure:
    """p50/p95/p99 latency per model as grouped bars, busiest model first."""
    models = [m for m in summary.get("by_model", []) if m["requests"]]
    figure = go.Figure()
    for name, color in PERCENTILES:
        figure.add_bar(x=[_label(m["model"]) for m in models],
                       y=[m["latency_ms"][name] for m in models],
                       name=name, marker_color=color,
                       hovertemplate=f"%{{x}} {name}: %{{y:,.1f}} ms<extra></extra>")
    figure.update_layout(barmode="group", height=_HEIGHT, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_yaxes(title_text="latency (ms)", rangemode="tozero")
    return figure


def by_model_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The by-model totals as flat rows for a table, in the API's order (busiest first)."""
    rows = []
    for m in summary.get("by_model", []):
        tokens, latency = m["tokens"], m["latency_ms"]
        rows.append({
            "model": _label(m["model"]), "requests": m["requests"], "errors": m["errors"],
            "error rate": m["error_rate"], "input tokens": tokens["input"], "output tokens": tokens["output"],
            "cache read tokens": tokens["cache_read"], "reasoning tokens": tokens["reasoning"],
            "total tokens": tokens["total"], "p50 ms": latency["p50"], "p95 ms": latency["p95"],
            "p99 ms": latency["p99"],
        })
    return rows


def totals_per_bucket(timeseries: Mapping[str, Any], field: str) -> list[float]:
    """One number per bucket of the range, summed over series, zero where nothing happened.

    For the sparklines on KPI tiles, where a missing bucket means "none", not "unknown".
    """
    since, until, step = _window(timeseries)
    totals: dict[datetime, float] = defaultdict(float)
    for point in timeseries.get("points", []):
        totals[parse_time(point["bucket"])] += point[field] or 0
    return [totals.get(bucket, 0) for bucket in sorted(set(bucket_grid(since, until, step)) | set(totals))]


def names_in(rows: Sequence[Mapping[str, Any]], key: str = "model") -> list[str]:
    """The labels charts show for `key` in API rows (an empty name becomes '(unknown)')."""
    return [_label(row[key]) for row in rows]


def _stacked(timeseries: Mapping[str, Any], value: Callable[[Mapping[str, Any]], float], unit: str,
             colors: Mapping[str, str] | None, hover: str,
             custom: Callable[[Mapping[str, Any]], tuple] | None = None) -> go.Figure:
    since, until, step = _window(timeseries)
    by_series: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for point in timeseries.get("points", []):
        by_series[_label(point.get("series", ""))].append(point)
    colors = colors or series_colors(by_series)
    # Largest series at the bottom of the stack: the steadiest baseline to read against.
    order = sorted(by_series, key=lambda name: (-sum(value(p) for p in by_series[name]), name))
    figure = go.Figure()
    for name in order:
        points = by_series[name]
        figure.add_bar(x=[parse_time(p["bucket"]) for p in points], y=[value(p) for p in points], name=name,
                       marker_color=colors.get(name, PALETTE[0]), width=step * 1000 * 0.9,
                       customdata=[custom(p) for p in points] if custom else None, hovertemplate=hover)
    _time_layout(figure, since, until, unit)
    figure.update_layout(barmode="stack", showlegend=True)
    return figure


def _window(timeseries: Mapping[str, Any]) -> tuple[datetime, datetime, int]:
    return (parse_time(timeseries["since"]), parse_time(timeseries["until"]), int(timeseries["step_seconds"]))


def _time_layout(figure: go.Figure, since: datetime, until: datetime, unit: str) -> None:
    figure.update_layout(height=_HEIGHT, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_xaxes(range=[since, until], title_text="time (UTC)")
    figure.update_yaxes(title_text=unit, rangemode="tozero")


def _label(name: str) -> str:
    return name or UNKNOWN

