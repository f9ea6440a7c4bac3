"""Figures and tables of the Costs page, as pure functions of the API's cost models.

Money arrives as exact Decimals; it is summed as Decimal and turned into floats only for
drawing (a chart needs no more than cents), while tables show the exact amount formatted
(`dashboard.format.money`). Spend is token cost + GPU cost allocated to calls; idle GPU cost
belongs to no call and is drawn and listed apart, never stacked onto the spend.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go

from client.api import Query
from client.models.costs import Budgets, CatalogStatus, CostBreakdown, CostTimeseries, IdleCost, Unpriced
from client.models.gpu import GpuCosts
from dashboard.figures.common import parse_time, series_colors
from dashboard.format import money, timestamp

_LAYOUT = dict(margin=dict(l=10, r=10, t=10, b=10), height=320, legend=dict(orientation="h", y=-0.2),
               plot_bgcolor="rgba(0,0,0,0)")
IDLE = "idle GPU (not in spend)"


def spend_over_time(series: CostTimeseries) -> go.Figure:
    """Spend per bucket stacked by group (the API already folded the long tail into "other"); idle GPU cost
    as a line of its own."""
    by_group: dict[str, dict[str, float]] = {}
    for p in series.points:
        by_group.setdefault(p.group or "all", {})[p.bucket] = float(p.cost)
    colors = series_colors(sorted(by_group))
    fig = go.Figure()
    for group, points in sorted(by_group.items(), key=lambda kv: -sum(kv[1].values())):
        times = sorted(points)
        fig.add_bar(x=[parse_time(t) for t in times], y=[points[t] for t in times], name=group,
                    marker_color=colors.get(group), width=series.step_seconds * 900,  # 90 % of a bucket, in ms
                    hovertemplate="%{x}<br>$%{y:.4g}<extra>" + group + "</extra>")
    idle = series.idle or []
    if any(p.idle for p in idle):
        fig.add_scatter(x=[parse_time(p.bucket) for p in idle], y=[float(p.idle) for p in idle], name=IDLE,
                        mode="lines+markers", line={"color": "#7F7F7F", "dash": "dot"},
                        hovertemplate="%{x}<br>$%{y:.4g}<extra>" + IDLE + "</extra>")
    fig.update_layout(barmode="stack", yaxis_title="USD", **_LAYOUT)
    # The whole range, as on every time chart: one busy hour must not stretch across the plot.
    fig.update_xaxes(range=[parse_time(series.since), parse_time(series.until)], title_text="time (UTC)")
    return fig


# Breakdown dimensions the Requests page filters traces by (its URL keys are the same names).
TRACE_FILTERS = ("project", "service", "model", "team", "feature", "user")


def traces_link(query: Query, path: Sequence[tuple[str, str]]) -> str | None:
    """The Requests page's URL for the traces behind a breakdown row, costliest first: the page's filters with
    the row's own groups in place of the sidebar's picks for those dimensions. None when a group cannot be
    expressed as a trace filter (a provider, an environment, an empty value): the list would hold more than the
    row."""
    if any(dimension not in TRACE_FILTERS or not value for dimension, value in path):
        return None
    chosen = dict(path)
    sidebar = {"project": query.projects, "service": query.services, "model": query.models}
    pairs = [("range", query.since)]
    pairs += [(name, value) for name, values in sidebar.items() if name not in chosen for value in values]
    pairs += [*path, ("sort", "cost")]
    return f"requests?{urlencode(pairs)}"


def breakdown_rows(body: CostBreakdown, links: Sequence[str | None] | None = None) -> list[dict[str, Any]]:
    """Table rows: the group columns, spend and its token and GPU parts, share, calls and the unit economics
    (users only when the API counted them), and each row's `links` entry as "traces" beside its groups when
    given (a wide table scrolls: the link stays in view)."""
    rows = []
    for i, r in enumerate(body.rows):
        row = {**{name: r.group(name) or "(none)" for name in body.by}, **({"traces": links[i]} if links else {}),
               "spend": money(r.cost), "token": money(r.token_cost), "GPU": money(r.gpu_cost),
               "share": float(r.share) if r.share is not None else None,  # a progress bar: blank, not "None"
               "calls": r.calls, "on GPUs": r.gpu_calls, "successful": r.successful_calls,
               "unpriced": r.unpriced_calls, "per request": money(r.cost_per_request),
               "per 1k tokens": money(r.cost_per_1k_tokens), "per successful": money(r.cost_per_successful_request)}
        if r.users is not None:
            row |= {"users": r.users, "per user": money(r.cost_per_user)}
        rows.append(row)
    return rows


def unpriced_rows(body: Unpriced) -> list[dict[str, Any]]:
    """Calls without a price, by provider, model and reason, with when they were last seen."""
    return [{"provider": g.provider, "model": g.model, "reason": g.reason, "calls": g.calls,
             "services": ", ".join(g.services), "first seen (UTC)": timestamp(g.first_seen),
             "last seen (UTC)": timestamp(g.last_seen)} for g in body.groups]


def idle_rows(idle: IdleCost) -> list[dict[str, Any]]:
    """Per GPU host, most idle first: the GPU cost no call used (apart from the spend)."""
    return [{"host": h.host_name, "idle": money(h.idle), "GPU cost": money(h.gpu_cost),
             "hours without a GPU price": h.unpriced_hours} for h in idle.hosts]


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


def unpriced_hours(body: GpuCosts) -> str:
    """One line on the hours of the range without a GPU price, by reason ('' when every hour is priced)."""
    if not body.unpriced_hours_total:
        return ""
    reasons: dict[str, int] = {}
    for h in body.unpriced_hours:
        reasons[h.reason] = reasons.get(h.reason, 0) + 1
    words = {"queued": "waiting for the gpu-costs job", "not_queued": "never priced (is the gpu-costs job running?)",
             "no_gpu_price": "host-hours with a GPU without a price", "no_gpu_samples":
             "host-hours of self-hosted calls on hosts that send no GPU samples"}
    return "GPU time not priced: " + "; ".join(f"{n:,} {words[reason]}" for reason, n in sorted(reasons.items()))


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


def catalog_problem(status: CatalogStatus) -> str:
    """Why the price catalog in force is not what its files say ('' when they loaded): an edit that failed keeps
    the last good catalog, so calls are still priced, but by prices the user may think they changed."""
    if not status.error:
        return ""
    return (f"**The price catalog file is broken: calls are priced with the last good catalog "
            f"(version {status.version[:12]}, {status.entries:,} entries) until it is fixed.** {status.error}")
