"""Overview: is the LLM fleet busy, healthy, fast and within budget, and which models carry it?

The first page an engineer opens: six KPI tiles, each against the previous period of the same
length; traffic, spend and tokens over time stacked by model; the error rate and p95 latency over
time; latency percentiles by model and the by-model totals. It reads the summary of this period and
the previous one, the time series by model, and the spend (breakdown totals and its time series),
all through the API client; figures and formats come from their pure modules.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import streamlit as st

from client.api import ApiClient, ApiError, Query
from client.models.costs import CostFigures, CostTimeseries
from client.models.llm import Summary, Timeseries, Totals
from dashboard import format as fmt
from dashboard import notices, page
from dashboard.controls import range_words, sidebar_filters
from dashboard.figures import costs as cost_figures
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
            if not summary.overall.requests:
                _empty(query, summary)
                return
            since, until = figures.previous_window(summary.since, summary.until)
            before = replace(query, since=since, until=until)
            previous, series, spent, spent_before, spend_series = page.concurrently(
                partial(api.summary, before), partial(api.timeseries, query, by="model"),
                partial(api.cost_breakdown, query, "model"), partial(api.cost_breakdown, before, "model"),
                partial(api.cost_timeseries, query, "model"))
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
    st.caption(f"LLM calls in the {range_words(query.since)}: "
               f"{fmt.time_range(parse_time(summary.since), parse_time(summary.until))}; changes are against the "
               f"{fmt.time_range(parse_time(since), parse_time(until))} before it")
    _kpis(summary.overall, previous.overall, series, spent.totals, spent_before.totals)
    _charts(summary, series, spend_series)
    st.subheader("Models")
    st.dataframe(figures.by_model_rows(summary), hide_index=True, column_config=_TABLE_COLUMNS,
                 key="by_model")


def render_alias() -> None:
    """The same page at /overview: Streamlit serves the default page only at "/" (and a page needs a callable of
    its own)."""
    render()


def _empty(query: Query, summary: Summary) -> None:
    st.caption(f"LLM calls in the {range_words(query.since)}: "
               f"{fmt.time_range(parse_time(summary.since), parse_time(summary.until))}")
    notices.no_llm_calls(range_words(query.since), query.filtered)


def _charts(summary: Summary, series: Timeseries, spend: CostTimeseries) -> None:
    colors = series_colors(figures.model_names(summary.by_model))
    left, right = st.columns(2)
    with left:
        st.subheader("Requests by model")
        st.plotly_chart(figures.requests_over_time(series, colors), key="requests", config=PLOTLY_CONFIG)
    with right:
        st.subheader("Spend by model")
        if spend.points:
            st.plotly_chart(cost_figures.spend_over_time(spend), key="spend", config=PLOTLY_CONFIG)
        else:
            st.caption("No priced calls in the range yet (calls are priced within a minute of arriving).")
    left, right = st.columns(2)
    with left:
        st.subheader("Tokens by model")
        st.plotly_chart(figures.tokens_over_time(series, colors), key="tokens", config=PLOTLY_CONFIG)
    with right:
        st.subheader("p95 latency by model")
        st.plotly_chart(figures.p95_over_time(series, colors), key="p95", config=PLOTLY_CONFIG)
    left, right = st.columns(2)
    with left:
        st.subheader("Error rate")
        st.plotly_chart(figures.error_rate_over_time(series), key="error_rate", config=PLOTLY_CONFIG)
    with right:
        st.subheader("Latency by model")
        st.plotly_chart(figures.latency_by_model(summary), key="latency", config=PLOTLY_CONFIG)


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


def _kpis(overall: Totals, before: Totals, series: Timeseries, spend: CostFigures, spent_before: CostFigures) -> None:
    """Requests, spend, error rate, total tokens, p95 latency and p95 time to first token, each with its change against the previous
    period (up is bad, so red, for all but requests and tokens); volume tiles get a sparkline."""
    tokens, latency = overall.tokens, overall.latency_ms
    token_trend = figures.totals_per_bucket(series, lambda p: p.input_tokens + p.output_tokens)
    requests, cost, errors, total_tokens, p95, ttft = st.columns(6)
    with requests:
        st.metric("Requests", fmt.count(overall.requests), border=True, height=_TILE_HEIGHT,
                  delta=figures.change(overall.requests, before.requests), delta_color="off",
                  chart_data=figures.totals_per_bucket(series, lambda p: p.requests), chart_type="bar",
                  help=f"LLM calls (GenAI operation spans) in the range; {before.requests:,} in the previous period")
    with cost:
        st.metric("Spend", fmt.money(spend.cost), border=True, height=_TILE_HEIGHT,
                  delta=figures.change(spend.cost, spent_before.cost), delta_color="inverse",
                  help=f"token cost {fmt.money(spend.token_cost)} + GPU cost {fmt.money(spend.gpu_cost)} of "
                       f"{spend.priced_calls:,} priced calls ({spend.unpriced_calls:,} unpriced); "
                       f"{fmt.money(spent_before.cost)} in the previous period")
    with errors:
        st.metric("Error rate", fmt.percent(overall.error_rate), border=True, height=_TILE_HEIGHT,
                  delta=figures.rate_change(overall.error_rate, before.error_rate, bool(before.requests)),
                  delta_color="inverse",
                  help=f"{overall.errors:,} of {overall.requests:,} calls ended with an error status; "
                       f"{fmt.percent(before.error_rate)} in the previous period")
    with total_tokens:
        st.metric("Total tokens", fmt.count(tokens.total), border=True, height=_TILE_HEIGHT, chart_data=token_trend,
                  delta=figures.change(tokens.total, before.tokens.total), delta_color="off",
                  chart_type="bar", help=f"input {tokens.input:,} + output {tokens.output:,} "
                                         f"(cache read {tokens.cache_read:,}, reasoning {tokens.reasoning:,})")
    with p95:
        st.metric("p95 latency", fmt.duration_ms(latency.p95), border=True, height=_TILE_HEIGHT,
                  delta=figures.change(latency.p95, before.latency_ms.p95), delta_color="inverse",
                  help=f"p50 {fmt.duration_ms(latency.p50)}, p99 {fmt.duration_ms(latency.p99)}; "
                       f"{fmt.duration_ms(before.latency_ms.p95)} in the previous period")
    with ttft:
        first = overall.ttft_ms
        st.metric("p95 TTFT", fmt.duration_ms(first.p95), border=True, height=_TILE_HEIGHT,
                  delta=figures.change(first.p95, before.ttft_ms.p95), delta_color="inverse",
                  help=f"time to first token of the {overall.streamed_requests:,} streamed calls (p50 "
                       f"{fmt.duration_ms(first.p50)}); calls that do not stream have none")
