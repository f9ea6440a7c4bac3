"""The quality half of the "Quality & Drift" page: scores over time, worst evaluations, feedback, cost per pass.

`render(api, query)` draws it (the page module calls it beside the drift view); the
functions above it are pure (API JSON in, figures and table rows out) so they are tested
without a browser. Reading guide for the charts:
- the time chart shows the pass rate (share of scores that pass; see QualityRules in
  store/queries/quality.py), which exists for every score, labelled or numeric; the mean
  value is in the summary table;
- every worst evaluation links to its trace's calls through the API
  (`/api/v1/llm-calls?trace_id=...`), so one click shows the model, tokens and latency.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st

from client.api import ApiClient, ApiError, Query
from dashboard import notices
from dashboard.figures import common as figures

BY_CHOICES = ("model", "feature", "team")
_PLOTLY = {"displaylogo": False, "displayModeBar": "hover"}


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per score: source, name, count, mean, pass rate (as a 0-1 ratio)."""
    return [{"source": r["source"], "score": r["name"], "count": r["count"], "mean": r["mean"],
             "pass rate": r["pass_rate"]} for r in summary["scores"]]


def pass_rate_over_time(series: dict[str, Any], name: str) -> go.Figure:
    """Pass rate of the score `name` per bucket, one line per series (model, feature or team)."""
    per_series: dict[str, list[tuple[Any, float]]] = defaultdict(list)
    for point in series["points"]:
        if point["name"] == name and point["count"]:
            per_series[point["series"] or figures.UNKNOWN].append(
                (figures.parse_time(point["bucket"]), point["good"] / point["count"]))
    colors = figures.series_colors(per_series)
    figure = go.Figure()
    for label in sorted(per_series):
        times, rates = zip(*sorted(per_series[label]), strict=True)
        figure.add_trace(go.Scatter(x=times, y=rates, name=label, mode="lines+markers",
                                    line={"color": colors[label]},
                                    hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>%{y:.1%}<extra>" + label + "</extra>"))
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h"},
                         yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": "pass rate"},
                         xaxis={"title": "UTC", "range": [figures.parse_time(series["since"]),
                                                          figures.parse_time(series["until"])]})
    return figure


def trace_link(api_url: str, row: dict[str, Any]) -> str:
    """An API URL listing the calls of the score's trace (the week before the score, a day after)."""
    at = figures.parse_time(row["timestamp"])
    params = {"trace_id": row["trace_id"], "since": f"{(at - timedelta(days=7)).isoformat()}Z",
              "until": f"{(at + timedelta(days=1)).isoformat()}Z"}
    return f"{api_url}/api/v1/llm-calls?{urlencode(params)}"


def _cell(value: Any) -> str:
    """Text safe inside a markdown table cell."""
    text = "–" if value is None or value == "" else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def worst_table(worst: dict[str, Any], api_url: str) -> str:
    """The worst evaluations as a markdown table whose last column links to the trace's calls.

    Markdown rather than a data grid: the grid draws on a canvas, where a link is neither
    a real anchor for the browser nor visible to assistive technology.
    """
    lines = ["| time (UTC) | score | value | label | model | evaluator | comment | trace |",
             "|---|---|---|---|---|---|---|---|"]
    for r in worst["rows"]:
        value = None if r["value"] is None else f"{r['value']:.3g}"
        cells = [f"{figures.parse_time(r['timestamp']):%Y-%m-%d %H:%M}", r["name"], value, r["label"],
                 r["model"], r["evaluator"], r["comment"]]
        lines.append("| " + " | ".join(map(_cell, cells)) + f" | [open calls]({trace_link(api_url, r)}) |")
    return "\n".join(lines)


def feedback_rows(feedback: dict[str, Any]) -> list[dict[str, Any]]:
    """The feedback stream as table rows, newest first."""
    return [{"time": figures.parse_time(r["timestamp"]), "feedback": "👍" if r["positive"] else "👎",
             "name": r["name"], "value": r["value"], "label": r["label"], "comment": r["comment"],
             "user": r["evaluator"], "model": r["model"] or "(not joined yet)", "trace_id": r["trace_id"]}
            for r in feedback["rows"]]


def cost_rows(rows: list[dict[str, Any]], by: str, good: str) -> list[dict[str, Any]]:
    """Cost per good outcome rows; money stays Decimal (formatted, never a float)."""
    return [{by: r["series"] or figures.UNKNOWN, "scored calls": r["calls"], good: r["good"],
             "cost of scored calls": _usd(r["cost"]),
             f"cost per {good.rstrip('s')}": _usd(r["cost_per_good"]) if r["cost_per_good"] else "–",
             "unpriced calls": r["unpriced_calls"]} for r in rows]


def _usd(text: str) -> str:
    """A Decimal string as dollars: cents from a dollar up, six decimals below (per-call costs are tiny)."""
    value = Decimal(text)
    return f"${value:,.2f}" if abs(value) >= 1 else f"${value:,.6f}"


def render(api: ApiClient, query: Query) -> None:
    """The quality sections of the page, for the sidebar's query."""
    st.header("Quality")
    try:
        summary = api.quality_summary(query)
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    if not summary["scores"]:
        st.info("No quality scores in this range yet. Send `gen_ai.evaluation.result` events, post feedback to "
                "`POST /api/v1/feedback`, or wait for the heuristics job to score new calls.",
                icon=":material/grading:")
        return
    st.dataframe(summary_rows(summary), hide_index=True, key="quality_summary", column_config={
        "pass rate": st.column_config.NumberColumn("pass rate", format="percent"),
        "mean": st.column_config.NumberColumn("mean", format="%.3f")})
    by = st.segmented_control("Split by", BY_CHOICES, default="model", required=True, key="quality_by")
    try:
        series = api.quality_timeseries(query, by=by or "model")
        worst = api.quality_worst(query)
        feedback = api.quality_feedback(query)
        cost = api.quality_cost(query, by=by or "model")
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    names = sorted({p["name"] for p in series["points"]})
    if names:
        name = st.selectbox("Evaluation", names, key="quality_name")
        st.subheader(f"Pass rate of {name} by {by}")
        st.plotly_chart(pass_rate_over_time(series, name), key="quality_over_time", config=_PLOTLY)
    st.subheader("Worst evaluations")
    st.markdown(worst_table(worst, api.base_url))
    st.subheader("Feedback")
    if feedback["rows"]:
        st.dataframe(feedback_rows(feedback), hide_index=True, key="quality_feedback")
    else:
        st.caption("No feedback in this range.")
    st.subheader("Cost per passing evaluation")
    st.dataframe(cost_rows(cost["evaluations"], cost["by"], "passing evaluations"), hide_index=True,
                 key="quality_cost_eval")
    if cost["feedback"]:
        st.subheader("Cost per positive feedback")
        st.dataframe(cost_rows(cost["feedback"], cost["by"], "positive feedbacks"), hide_index=True,
                     key="quality_cost_feedback")
