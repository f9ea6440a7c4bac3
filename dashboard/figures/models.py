"""Figures and the comparison table of the Models page, as pure functions of the API's answers.

One row per model, side by side: traffic and errors and latency percentiles (GET /api/v1/summary), time to first
token of the calls that streamed, spend and unit costs (GET /api/v1/costs/breakdown by model, exact decimals, and
by model and provider for who serves it), and the evaluations' pass rate and cost per passing evaluation
(GET /api/v1/quality/cost by model). A model the cost or quality answers do not know reads "–", never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from client.models.costs import BreakdownRow, CostBreakdown
from client.models.llm import ModelTotals, Summary, Timeseries
from client.models.quality import CostPerGood, QualityCost
from dashboard.figures.common import bucket_grid, label, parse_time, series_colors
from dashboard.format import MISSING, count, duration_ms, money_exact, percent

_LAYOUT = dict(margin=dict(l=10, r=10, t=30, b=10), height=320, legend=dict(orientation="h", y=-0.2),
               plot_bgcolor="rgba(0,0,0,0)")
THOUSAND = Decimal(1000)


def providers_by_model(body: CostBreakdown) -> dict[str, list[str]]:
    """model -> the providers that served it, from a breakdown by model and provider."""
    out: dict[str, set[str]] = {}
    for row in body.rows:
        out.setdefault(row.group("model"), set()).add(row.group("provider") or MISSING)
    return {model: sorted(providers) for model, providers in out.items()}


def comparison_rows(summary: Summary, costs: CostBreakdown, providers: Mapping[str, list[str]],
                    quality: QualityCost) -> list[dict[str, Any]]:
    """One row per model of the summary (busiest first), with its cost and quality where the API has them."""
    spend = {row.group("model"): row for row in costs.rows}
    evaluations = {row.series: row for row in quality.evaluations}
    return [_row(m, spend.get(m.model), providers.get(m.model, []), evaluations.get(m.model))
            for m in summary.by_model]


def _row(m: ModelTotals, cost: BreakdownRow | None, providers: list[str],
         evals: CostPerGood | None) -> dict[str, Any]:
    per_call = cost.cost_per_request if cost else None
    return {
        "model": label(m.model), "provider": ", ".join(providers) or MISSING,
        "requests": count(m.requests), "error rate": percent(m.error_rate),
        "p50": duration_ms(m.latency_ms.p50), "p95": duration_ms(m.latency_ms.p95),
        "p99": duration_ms(m.latency_ms.p99),
        "TTFT p50": duration_ms(m.ttft_ms.p50), "TTFT p95": duration_ms(m.ttft_ms.p95),
        "streamed": count(m.streamed_requests),
        "spend": money_exact(cost.cost) if cost else MISSING,
        "per call": money_exact(per_call),
        "per 1k calls": money_exact(per_call * THOUSAND if per_call is not None else None),
        "per 1k tokens": money_exact(cost.cost_per_1k_tokens) if cost else MISSING,
        "eval pass rate": percent(evals.good / evals.scores) if evals and evals.scores else MISSING,
        "evaluations": count(evals.scores) if evals else MISSING,
        "per passing eval": money_exact(evals.cost_per_good) if evals else MISSING,
    }


def _by_series(series: Timeseries, field: str) -> tuple[list[datetime], dict[str, list[float | None]]]:
    """(every bucket of the range, series name -> `field` per bucket): a bucket without calls is a gap (None),
    so a line never bridges an hour the model was not called."""
    grid = bucket_grid(parse_time(series.since), parse_time(series.until), series.step_seconds)
    index = {t: i for i, t in enumerate(grid)}
    out: dict[str, list[float | None]] = {}
    for p in series.points:
        at = index.get(parse_time(p.bucket))
        if at is not None:
            out.setdefault(label(p.series), [None] * len(grid))[at] = getattr(p, field)
    return grid, out


def _lines(series: Timeseries, field: str, title: str, colors: Mapping[str, str]) -> go.Figure:
    fig = go.Figure()
    grid, by_name = _by_series(series, field)
    for name, values in sorted(by_name.items()):
        if all(v is None for v in values):
            continue
        fig.add_scatter(x=grid, y=values, name=name, mode="lines+markers", connectgaps=False,
                        line={"color": colors.get(name)}, hovertemplate="%{x}<br>%{y:,.0f} ms<extra>" + name + "</extra>")
    fig.update_layout(title=f"{title} (UTC)", yaxis_title="ms", **_LAYOUT)
    return fig


def latency_over_time(series: Timeseries, colors: Mapping[str, str]) -> go.Figure:
    """p95 latency per bucket, one line per model."""
    return _lines(series, "p95_latency_ms", "p95 latency", colors)


def ttft_over_time(series: Timeseries, colors: Mapping[str, str]) -> go.Figure:
    """p95 time to first token per bucket, one line per model that streamed (the others have none to draw)."""
    return _lines(series, "p95_ttft_ms", "p95 time to first token", colors)


def has_ttft(series: Timeseries) -> bool:
    return any(p.p95_ttft_ms is not None for p in series.points)


def cost_vs_latency(summary: Summary, costs: CostBreakdown, colors: Mapping[str, str]) -> go.Figure:
    """Each priced model as a point: p95 latency across, cost per call up, marker area by requests; the corner
    nearest the origin is fast and cheap."""
    per_call = {row.group("model"): row.cost_per_request for row in costs.rows}
    fig = go.Figure()
    for m in summary.by_model:
        cost = per_call.get(m.model)
        if cost is None or m.latency_ms.p95 is None:
            continue
        name = label(m.model)
        fig.add_scatter(x=[m.latency_ms.p95], y=[float(cost)], name=name, mode="markers",
                        marker={"color": colors.get(name), "size": _size(m.requests, summary), "opacity": 0.8},
                        hovertemplate=f"{name}<br>p95 %{{x:,.0f}} ms<br>{money_exact(cost)} per call<br>"
                                      f"{m.requests:,} requests<extra></extra>")
    fig.update_layout(title="Cost per call vs p95 latency", xaxis_title="p95 latency (ms)",
                      yaxis_title="USD per call", **_LAYOUT)
    return fig


def _size(requests: int, summary: Summary) -> float:
    busiest = max((m.requests for m in summary.by_model), default=1) or 1
    return 10 + 30 * (requests / busiest) ** 0.5


def model_colors(summary: Summary) -> dict[str, str]:
    """One colour per model for every chart of the page."""
    return series_colors(label(m.model) for m in summary.by_model)
