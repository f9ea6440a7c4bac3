"""Models: which model to use, side by side. Latency, time to first token, errors, cost and quality per model and
the providers that serve it, over the sidebar's range and filters.

Reads the API only: GET /api/v1/summary (requests, errors, latency and TTFT percentiles by model), /timeseries by
model (p95 latency and TTFT over time), /costs/breakdown by model (exact spend and unit costs) and by model and
provider (who serves each), /quality/cost by model (evaluations, pass rate, cost per passing evaluation); all at
once, after the filter list.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from client.api import ApiClient
from client.models.llm import Summary
from dashboard import format as fmt
from dashboard import notices, page
from dashboard.controls import range_words, sidebar_filters
from dashboard.figures import models as mf
from dashboard.figures.common import PLOTLY_CONFIG

TITLE = "Models"


def render() -> None:
    """The page; `app.py` registers it with `st.navigation`."""
    page.run(TITLE, _page)


def _page(api: ApiClient) -> None:
    query = sidebar_filters(api)
    summary, costs, by_provider, quality, series = page.concurrently(
        partial(api.summary, query), partial(api.cost_breakdown, query, "model"),
        partial(api.cost_breakdown, query, "model,provider"), partial(api.quality_cost, query, "model"),
        partial(api.timeseries, query, by="model"))
    if not summary.by_model:
        notices.no_llm_calls(range_words(query.since), query.filtered)
        return
    _tiles(summary)
    st.subheader("Side by side")
    st.dataframe(mf.comparison_rows(summary, costs, mf.providers_by_model(by_provider), quality), hide_index=True,
                 key="model_comparison")
    st.caption("Latency is the whole call; TTFT (time to first token) only of the calls that streamed and reported "
               "it. Spend is token cost plus GPU cost allocated to calls, exact; per call and per 1k calls divide it "
               "by every call of the model. The pass rate is of the evaluations joined to their call.")
    colors = mf.model_colors(summary)
    left, right = st.columns(2)
    left.plotly_chart(mf.latency_over_time(series, colors), key="model_latency", config=PLOTLY_CONFIG)
    if mf.has_ttft(series):
        right.plotly_chart(mf.ttft_over_time(series, colors), key="model_ttft", config=PLOTLY_CONFIG)
    else:
        right.info("No call in this range reported a time to first token: streaming instrumentations send it as "
                   "`gen_ai.response.time_to_first_chunk`.", icon=":material/timer_off:")
    st.plotly_chart(mf.cost_vs_latency(summary, costs, colors), key="model_cost_latency", config=PLOTLY_CONFIG)


def _tiles(summary: Summary) -> None:
    overall = summary.overall
    models, requests, p95, ttft = st.columns(4)
    models.metric("Models", fmt.count(len(summary.by_model)), border=True)
    requests.metric("Requests", fmt.count(overall.requests), border=True,
                    help=f"{fmt.percent(overall.error_rate)} failed")
    p95.metric("p95 latency", fmt.duration_ms(overall.latency_ms.p95), border=True,
               help="over every model's calls")
    ttft.metric("p95 TTFT", fmt.duration_ms(overall.ttft_ms.p95), border=True,
                help=f"time to first token of the {fmt.count(overall.streamed_requests)} calls that streamed")
