"""Overview: is the LLM fleet busy, healthy and fast, and which models carry it?

The first page an engineer opens: four KPI tiles, traffic and tokens over time stacked by
model, the error rate over time, latency percentiles by model and the by-model totals.
It reads two endpoints per run (summary, timeseries by model) plus the filter lists, all
through the API client; figures and formats come from their pure modules.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from client.api import ApiClient, ApiError
from client.models.llm import Timeseries, Totals
from dashboard import format as fmt
from dashboard import notices
from dashboard.controls import range_words, sidebar_filters
from dashboard.figures import overview as figures
from dashboard.figures.common import PLOTLY_CONFIG, parse_time, series_colors

TITLE = "Overview"


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    with ApiClient.from_env() as api:
        try:
            query = sidebar_filters(api)
            summary = api.summary(query)
            series = api.timeseries(query, by="model") if summary.overall.requests else None
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
    st.caption(f"LLM calls in the {range_words(query.since)}: "
               f"{fmt.time_range(parse_time(summary.since), parse_time(summary.until))}")
    if series is None:
        notices.no_llm_calls(range_words(query.since), query.filtered)
        return
    _kpis(summary.overall, series)
    colors = series_colors(figures.model_names(summary.by_model))
    left, right = st.columns(2)
    with left:
        st.subheader("Requests by model")
        st.plotly_chart(figures.requests_over_time(series, colors), key="requests", config=PLOTLY_CONFIG)
    with right:
        st.subheader("Tokens by model")
        st.plotly_chart(figures.tokens_over_time(series, colors), key="tokens", config=PLOTLY_CONFIG)
    left, right = st.columns(2)
    with left:
        st.subheader("Error rate")
        st.plotly_chart(figures.error_rate_over_time(series), key="error_rate", config=PLOTLY_CONFIG)
    with right:
        st.subheader("Latency by model")
        st.plotly_chart(figures.latency_by_model(summary), key="latency", config=PLOTLY_CONFIG)
    st.subheader("Models")
    st.dataframe(figures.by_model_rows(summary), hide_index=True, column_config=_TABLE_COLUMNS,
                 key="by_model")


_TILE_HEIGHT = 180  # one height for all KPI tiles, whether or not they carry a sparkline
_TABLE_COLUMNS: dict[str, Any] = {
    "model": st.column_config.TextColumn("model", pinned=True),
    "requests": st.column_config.NumberColumn("requests", format="localized"),
    "errors": st.column_config.NumberColumn("errors", format="localized"),
    "error rate": st.column_config.NumberColumn("error rate", format="percent"),
    # Short labels so the whole table fits beside the sidebar; the help says what each counts.
    **{name: st.column_config.NumberColumn(name.removesuffix(" tokens"), format="localized", help=name)
       for name in ("input tokens", "output tokens", "cache read tokens", "reasoning tokens")},
    "total tokens": st.column_config.NumberColumn("tokens", format="localized", help="input + output tokens"),
    **{name: st.column_config.NumberColumn(name, format="%.1f", help=f"{name[:3]} latency in milliseconds")
       for name in ("p50 ms", "p95 ms", "p99 ms")},
}


def _kpis(overall: Totals, series: Timeseries) -> None:
    """Requests, error rate, total tokens and p95 latency; volume tiles get a sparkline."""
    tokens, latency = overall.tokens, overall.latency_ms
    token_trend = figures.totals_per_bucket(series, lambda p: p.input_tokens + p.output_tokens)
    requests, errors, total_tokens, p95 = st.columns(4)
    with requests:
        st.metric("Requests", fmt.count(overall.requests), border=True, height=_TILE_HEIGHT,
                  chart_data=figures.totals_per_bucket(series, lambda p: p.requests), chart_type="bar",
                  help="LLM calls (GenAI operation spans) in the range")
    with errors:
        st.metric("Error rate", fmt.percent(overall.error_rate), border=True, height=_TILE_HEIGHT,
                  help=f"{overall.errors:,} of {overall.requests:,} calls ended with an error status")
    with total_tokens:
        st.metric("Total tokens", fmt.count(tokens.total), border=True, height=_TILE_HEIGHT, chart_data=token_trend,
                  chart_type="bar", help=f"input {tokens.input:,} + output {tokens.output:,} "
                                         f"(cache read {tokens.cache_read:,}, reasoning {tokens.reasoning:,})")
    with p95:
        st.metric("p95 latency", fmt.duration_ms(latency.p95), border=True, height=_TILE_HEIGHT,
                  help=f"p50 {fmt.duration_ms(latency.p50)}, p99 {fmt.duration_ms(latency.p99)}")
