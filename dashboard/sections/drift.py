"""The drift half of the "Quality & Drift" page: has the traffic of a service x model x feature changed?

`render(api, query)` draws, for the sidebar's range and filters: a group picker (drifted groups
first, from the newest comparison per group), the latest comparison's verdict, the per-feature
heat table over time, the latest comparison's features, reference vs current distributions of a
chosen feature, and the latest Evidently report embedded. Reads GET /api/v1/drift twice (newest
per group, then the chosen group's history) and the report; shapes come from
`dashboard.figures.drift`.
"""

from __future__ import annotations

from typing import Any, Literal

import streamlit as st
import streamlit.components.v1 as components

from client.api import ApiClient, ApiError, Query
from client.models.drift import DriftResult
from dashboard import format as fmt
from dashboard import notices
from dashboard.controls import range_words
from dashboard.figures import drift as drift_figures
from dashboard.figures.common import PLOTLY_CONFIG, parse_time

_REPORT_HEIGHT = 900
_TABLE: dict[str, Any] = {
    "score": st.column_config.TextColumn("score", help="the test's own score: a p-value or a distance; read it "
                                         "with 'drift when' (none without a test)"),
    "severity": st.column_config.TextColumn("severity", help="1 at the threshold, above 1 when drifted, whatever "
                                            "the test (capped at 10)"),
    "reference n": st.column_config.NumberColumn("reference n", format="localized"),
    "current n": st.column_config.NumberColumn("current n", format="localized"),
}


def render(api: ApiClient, query: Query) -> None:
    """The drift section, in a container of its own (`.st-key-drift` in the page) so that it can be told
    apart from the quality section above it; errors from the API become the shared banners."""
    with st.container(key="drift"):
        _section(api, query)


def _section(api: ApiClient, query: Query) -> None:
    st.header("Drift")
    try:
        newest = api.drift(query, latest=True).results
        if not newest:
            st.info(f"No drift comparisons in the {range_words(query.since)}. The drift job compares each "
                    "service × model × feature's last 24 hours with the 7 days before, every hour, once both "
                    "windows hold calls.", icon=":material/compare_arrows:")
            return
        chosen = st.selectbox("Service / model / feature", drift_figures.groups(newest), key="drift_group")
        latest = next(r for r in newest if drift_figures.group_key(r) == chosen)
        history = api.drift(_group_query(query, latest), features=(latest.feature,)).results
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    _verdict(latest)
    st.subheader("Features over time")
    st.plotly_chart(drift_figures.heat_table(history), key="drift_heat", config=PLOTLY_CONFIG)
    if latest.features:
        st.subheader("Latest comparison")
        st.dataframe(drift_figures.feature_rows(latest), hide_index=True, column_config=_TABLE, key="drift_features")
        _distributions(latest)
    if latest.report_file:
        _report(api, latest.id)


def _group_query(query: Query, result: DriftResult) -> Query:
    """The sidebar's range narrowed to one comparison's group (its whole history in the range)."""
    return Query(since=query.since, until=query.until, projects=(result.project,),
                 services=(result.service_name,), models=(result.model,))


def _verdict(result: DriftResult) -> None:
    windows = f"current {_range(result, 'current')} vs reference {_range(result, 'reference')}"
    sizes = (f"{result.current_rows:,} current / {result.reference_rows:,} reference calls, sampled "
             f"{result.current_sample:,} / {result.reference_sample:,}")
    verdict = drift_figures.verdict(result)
    if verdict == drift_figures.INSUFFICIENT:
        st.warning(f"**Insufficient data** — no verdict: {sizes}; a window has fewer calls than the minimum "
                   f"(drift.min_rows), or no feature had enough values. {windows}", icon=":material/hourglass_empty:")
    elif verdict == "drifted":
        st.error(f"**Drifted**: {result.drifted_features} of {result.compared_features} features "
                 f"({fmt.percent(result.drift_share)}). {sizes}. {windows}", icon=":material/trending_up:")
    else:
        st.success(f"**No drift**: 0 of {result.compared_features} features drifted. {sizes}. {windows}",
                   icon=":material/check_circle:")


def _range(result: DriftResult, window: Literal["current", "reference"]) -> str:
    since, until = ((result.current_since, result.current_until) if window == "current"
                    else (result.reference_since, result.reference_until))
    return fmt.time_range(parse_time(since), parse_time(until))


def _distributions(result: DriftResult) -> None:
    features = {f.name: f for f in result.features if f.bins}
    if not features:
        return
    st.subheader("Reference vs current")
    ranked = [row["feature"] for row in drift_figures.feature_rows(result) if row["feature"] in features]
    name = st.selectbox("Feature", ranked, key="drift_feature")
    feature = features[name]
    st.plotly_chart(drift_figures.distribution(feature), key="drift_distribution", config=PLOTLY_CONFIG)
    if feature.reference_mean is not None:
        st.caption(f"mean {feature.reference_mean:,.4g} → {feature.current_mean:,.4g}; "
                   f"median {feature.reference_p50:,.4g} → {feature.current_p50:,.4g}; "
                   f"p95 {feature.reference_p95:,.4g} → {feature.current_p95:,.4g}")


@st.cache_data(max_entries=8, show_spinner=False)
def _report_html(base_url: str, api_key: str | None, result_id: str) -> str:
    """A report never changes once written, so it is fetched once per id."""
    with ApiClient(base_url, api_key) as api:
        return api.drift_report(result_id)


def _report(api: ApiClient, result_id: str) -> None:
    st.subheader("Evidently report (latest comparison)")
    # A report is megabytes of HTML and script: fetched and drawn only when asked for.
    if not st.toggle("Show the full Evidently report", key="drift_report"):
        return
    try:
        html = _report_html(api.base_url, api.api_key, result_id)
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    components.html(html, height=_REPORT_HEIGHT, scrolling=True)
