"""Figures and tables of the Releases page, as pure functions of the API's change and comparison models.

A change is coloured by its latest verdict everywhere on the page (fail red, marginal amber, pass green, not
analysed or too little data grey), so the eye finds the bad release on the timeline and in the table alike. Metric
values arrive as exact decimal text in their unit: a table shows them in words people read (ms or s, percent and
percentage points for shares, exact dollars for money), a chart is only drawn for scores.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from client.models.changes import Change, VerdictRun
from client.models.compare import Comparison, MetricComparison
from dashboard.figures.common import parse_time
from dashboard.format import MISSING, duration_ms, money_exact, number, timestamp

NOT_ANALYSED = "not analysed"
VERDICT_COLORS: dict[str, str] = {"fail": "#D62728", "marginal": "#F5A623", "pass": "#2CA02C",
                                  "insufficient_data": "#9E9E9E", NOT_ANALYSED: "#BDBDBD"}
# One marker shape per kind of change, so kinds stay apart on a row of the timeline.
KIND_SYMBOLS: dict[str, str] = {"deploy": "circle", "prompt": "diamond", "model": "square", "provider": "triangle-up",
                                "config": "cross", "price": "star", "flag": "x"}
FLEET_WIDE = "(fleet-wide)"
OUTCOME_WORDS = {"better": "better", "no_significant_change": "no significant change", "worse": "worse",
                 "insufficient_data": "too little data"}
_LAYOUT = dict(margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="rgba(0,0,0,0)",
               legend=dict(orientation="h", y=-0.25))


def verdict_of(change: Change) -> str:
    """The change's latest verdict, or NOT_ANALYSED when the canary job never judged it."""
    return change.verdict.verdict if change.verdict else NOT_ANALYSED


def service_of(change: Change) -> str:
    """The timeline row and table cell of a change: a price change belongs to no service."""
    return change.service or FLEET_WIDE


def transition(change: Change) -> str:
    """'1.4.0 → 1.5.0' ('(first) → 1.0.0' for the first value ever seen), with the prompt or model it is of."""
    moved = f"{change.from_value or '(first)'} → {change.to_value}"
    return f"{change.subject}: {moved}" if change.subject else moved


def timeline(changes: list[Change]) -> go.Figure:
    """Changes over time, one row per service, marker shape by kind and colour by latest verdict (one trace per
    kind and verdict, so the legend names both); each point carries its change id in `customdata`."""
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.kind, verdict_of(change)), []).append(change)
    fig = go.Figure()
    for (kind, verdict), members in sorted(groups.items()):
        fig.add_scatter(
            x=[parse_time(c.at) for c in members], y=[service_of(c) for c in members], mode="markers",
            name=f"{kind} · {verdict.replace('_', ' ')}", customdata=[[c.id, transition(c), c.source, c.author or
                                                                      MISSING] for c in members],
            marker=dict(symbol=KIND_SYMBOLS.get(kind, "circle"), color=VERDICT_COLORS[verdict], size=13,
                        line=dict(width=1, color="#333333")),
            hovertemplate=(f"<b>{kind}</b> %{{customdata[1]}}<br>%{{x}} UTC<br>%{{customdata[2]}} by "
                           f"%{{customdata[3]}}<br>verdict: {verdict.replace('_', ' ')}<extra>%{{y}}</extra>"))
    rows = sorted({service_of(c) for c in changes})
    fig.update_layout(xaxis_title="UTC", height=140 + 36 * len(rows), **_LAYOUT)
    fig.update_yaxes(categoryorder="array", categoryarray=rows[::-1], title=None)
    return fig


def change_rows(changes: list[Change]) -> list[dict[str, Any]]:
    """The table of changes, newest first as the API sends them: text cells, so nothing reads "None"."""
    return [{"time (UTC)": timestamp(c.at), "kind": c.kind, "service": service_of(c), "from → to": transition(c),
             "source": c.source, "author": c.author or MISSING, "verdict": verdict_of(c).replace("_", " "),
             "score": number(c.verdict.score, ".0f") if c.verdict else MISSING,
             "worse": ", ".join(c.verdict.worse) if c.verdict and c.verdict.worse else MISSING,
             "id": c.id} for c in changes]


def metric_value(metric: MetricComparison, value: Decimal | None, signed: bool = False) -> str:
    """A metric's value (or a difference, `signed`) in its unit: '850 ms', '2.5%' ('+0.5 pp' for a difference of
    shares), exact dollars, '1,234 tokens'."""
    if value is None:
        return MISSING
    sign = ("+" if value > 0 else "-" if value < 0 else "") if signed else ("-" if value < 0 else "")
    size = abs(value)
    if metric.unit == "USD":
        return sign + money_exact(size)
    if metric.unit == "ms":
        return sign + duration_ms(float(size))
    if metric.unit == "share":
        return f"{sign}{float(size) * 100:.2f} pp" if signed else f"{sign}{float(size) * 100:.2f}%"
    return f"{sign}{float(size):,.1f} tokens"


def interval(metric: MetricComparison) -> str:
    """The 95 % interval of the difference, '[-12 ms, +40 ms]', or MISSING when the metric was not tested."""
    if metric.ci_low is None or metric.ci_high is None:
        return MISSING
    return f"[{metric_value(metric, metric.ci_low, True)}, {metric_value(metric, metric.ci_high, True)}]"


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """Per metric: both values, the difference (and relative) with its interval, the p-values and the outcome, with
    which way is better and whether the metric alone can fail the verdict."""
    rows = []
    for m in comparison.metrics:
        relative = MISSING if m.relative_difference is None else f"{m.relative_difference:+.1%}"
        rows.append({"metric": m.label + (" (critical)" if m.critical else ""),
                     "better": f"{m.better} is better", "baseline": metric_value(m, m.baseline),
                     "candidate": metric_value(m, m.candidate), "difference": metric_value(m, m.difference, True),
                     "relative": relative, "95% interval": interval(m), "p-value": number(m.p_value, ".3g"),
                     "p (Holm)": number(m.p_value_corrected, ".3g"), "outcome": OUTCOME_WORDS[m.outcome],
                     "n (baseline / candidate)": f"{m.baseline_n:,} / {m.candidate_n:,}", "note": m.note or MISSING})
    return rows


def headline(comparison: Comparison) -> str:
    """'fail · score 62 (passes from 95, marginal from 75) · 1,200 vs 400 calls'."""
    score = MISSING if comparison.score is None else f"{comparison.score:.0f}"
    return (f"{comparison.verdict.replace('_', ' ')} · score {score} (passes from {comparison.pass_score:.0f}, "
            f"marginal from {comparison.marginal_score:.0f}) · {comparison.baseline} vs {comparison.candidate}: "
            f"{comparison.baseline_calls:,} vs {comparison.candidate_calls:,} calls")


def verdict_history(runs: list[VerdictRun]) -> go.Figure:
    """The score of each analysis run over time (oldest left), each point coloured by its verdict."""
    ordered = sorted(runs, key=lambda r: parse_time(r.run_at))
    fig = go.Figure()
    fig.add_scatter(x=[parse_time(r.run_at) for r in ordered], y=[r.score for r in ordered], mode="lines+markers",
                    line=dict(color="#9E9E9E"), name="score",
                    marker=dict(size=10, color=[VERDICT_COLORS.get(r.verdict, "#9E9E9E") for r in ordered]),
                    customdata=[[r.verdict.replace("_", " "), r.mode.replace("_", "/")] for r in ordered],
                    hovertemplate="%{x} UTC<br>score %{y:.0f}<br>%{customdata[0]} (%{customdata[1]})<extra></extra>")
    fig.update_layout(yaxis=dict(range=[0, 105], title="score"), xaxis_title="UTC", height=260, showlegend=False,
                      **_LAYOUT)
    return fig
