"""Figures and tables of the Costs page, as pure functions of the API's cost models.

Money arrives as exact Decimals; it is summed as Decimal and turned into floats only for
drawing (a chart needs no more than cents), while tables show the exact amount formatted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from client.models.costs import Budgets, CostBreakdown, CostTimeseries
from client.models.gpu import GpuCosts
from dashboard.figures.common import parse_time, series_colors

_LAYOUT = dict(margin=dict(l=10, r=10, t=10, b=10), height=320, legend=dict(orientation="h", y=-0.2),
               plot_bgcolor="rgba(0,0,0,0)")


def money(value: str | Decimal | None, currency: str = "USD") -> str:
    """'12.3456' -> '$12.35'; amounts under a cent keep four significant digits: '$0.003993'."""
    if value is None:
        return "–"
    amount = Decimal(value)
    symbol = "$" if currency == "USD" else f"{currency} "
    if amount == 0:
        return f"{symbol}0.00"
    if abs(amount) < Decimal("0.01"):
        return f"{symbol}{amount.quantize(Decimal(10) ** (amount.adjusted() - 3)).normalize():f}"
    return f"{symbol}{amount:,.2f}"


def spend_over_time(series: CostTimeseries) -> go.Figure:
    """Spend per bucket stacked by group (the API already folded the long tail into "other")."""
    by_group: dict[str, dict[str, float]] = {}
    for p in series.points:
        by_group.setdefault(p.group or "all", {})[p.bucket] = float(p.cost)
    colors = series_colors(sorted(by_group))
    fig = go.Figure()
    for group, points in sorted(by_group.items(), key=lambda kv: -sum(kv[1].values())):
        times = sorted(points)
        fig.add_bar(x=[parse_time(t) for t in times], y=[points[t] for t in times], name=group,
                    marker_color=colors.get(group), hovertemplate="%{x}<br>$%{y:.4f}<extra>" + group + "</extra>")
    fig.update_layout(barmode="stack", yaxis_title="USD", **_LAYOUT)
    return fig


def breakdown_rows(body: CostBreakdown) -> list[dict[str, Any]]:
    """Table rows: the group columns, spend, share, calls and the unit economics."""
    rows = []
    for r in body.rows:
        rows.append({**{name: r.group(name) or "(none)" for name in body.by},
                     "spend": money(r.cost), "share": float(r.share) if r.share is not None else None,
                     "calls": r.calls, "successful": r.successful_calls, "unpriced": r.unpriced_calls,
                     "per request": money(r.cost_per_request), "per 1k tokens": money(r.cost_per_1k_tokens),
                     "per successful": money(r.cost_per_successful_request), "users": r.users,
                     "per user": money(r.cost_per_user)})
    return rows


def budget_rows(body: Budgets) -> list[dict[str, Any]]:
    """One row per budget: scope, month to date, forecast, used share and both states."""
    return [{"budget": b.name, "scope": f"{b.scope}={b.value}", "monthly": money(b.monthly, b.currency),
             "month to date": money(b.month_to_date, b.currency), "used": float(b.used),
             "forecast": money(b.forecast_month_end, b.currency), "state": b.state,
             "forecast state": b.forecast_state} for b in body.budgets]


def budget_burn(body: Budgets) -> go.Figure:
    """Month to date and the month-end forecast against each budget (1.0 = the monthly amount)."""
    names = [b.name for b in body.budgets]
    used = [float(b.month_to_date / b.monthly) for b in body.budgets]
    forecast = [float(b.forecast_month_end / b.monthly) for b in body.budgets]
    fig = go.Figure()
    fig.add_bar(y=names, x=used, orientation="h", name="month to date", marker_color="#4C78A8")
    fig.add_bar(y=names, x=forecast, orientation="h", name="forecast at month end", marker_color="#F58518",
                opacity=0.6)
    for b in body.budgets[:1]:
        fig.add_vline(x=float(b.soft_threshold), line_dash="dot", line_color="#E45756", annotation_text="soft")
    fig.add_vline(x=1.0, line_color="#E45756", annotation_text="budget")
    fig.update_layout(barmode="overlay", xaxis_tickformat=".0%", **{**_LAYOUT, "height": 120 + 40 * len(names)})
    return fig


def gpu_cost_rows(body: GpuCosts) -> list[dict[str, Any]]:
    """Per GPU host, costliest idle first: what its GPUs cost, what calls used, what sat idle."""
    hosts = sorted(body.hosts, key=lambda h: -(h.idle or 0))
    return [{"host": h.host_name, "GPU cost": money(h.gpu_cost), "allocated": money(h.allocated),
             "idle": money(h.idle), "idle share": h.idle_share, "calls": h.calls,
             "unknown-host calls": h.unknown_host_calls} for h in hosts]


def gpu_cost_figure(body: GpuCosts) -> go.Figure:
    """Per GPU host: the cost allocated to calls and the idle cost, stacked."""
    hosts = [h.host_name for h in body.hosts]
    fig = go.Figure()
    fig.add_bar(x=hosts, y=[float(h.allocated or 0) for h in body.hosts], name="allocated to calls",
                marker_color="#54A24B")
    fig.add_bar(x=hosts, y=[float(h.idle or 0) for h in body.hosts], name="idle", marker_color="#BAB0AC")
    fig.update_layout(barmode="stack", yaxis_title="USD", **_LAYOUT)
    return fig


def gpu_idle_total(body: GpuCosts) -> tuple[Decimal, Decimal]:
    """(idle, GPU cost) over every host of the range (unpriced hosts count 0)."""
    return (sum((h.idle or Decimal(0) for h in body.hosts), Decimal(0)),
            sum((h.gpu_cost or Decimal(0) for h in body.hosts), Decimal(0)))
