"""The quality half of the "Quality & Drift" page: scores over time, worst evaluations, feedback, cost per pass.

`render(api, query)` draws it (the page module calls it beside the drift section); the
figures and table rows come from `dashboard.figures.quality`.
"""

from __future__ import annotations

import streamlit as st

from client.api import ApiClient, ApiError, Query
from dashboard import notices
from dashboard.figures import quality as figures
from dashboard.figures.common import PLOTLY_CONFIG

BY_CHOICES = ("model", "feature", "team")


def render(api: ApiClient, query: Query) -> None:
    """The quality sections of the page, for the sidebar's query."""
    st.header("Quality")
    try:
        summary = api.quality_summary(query)
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    if not summary.scores:
        st.info("No quality scores in this range yet. Send `gen_ai.evaluation.result` events, post feedback to "
                "`POST /api/v1/feedback`, or wait for the heuristics job to score new calls.",
                icon=":material/grading:")
        return
    st.dataframe(figures.summary_rows(summary), hide_index=True, key="quality_summary")
    by = st.segmented_control("Split by", BY_CHOICES, default="model", required=True, key="quality_by")
    try:
        series = api.quality_timeseries(query, by=by or "model")
        worst = api.quality_worst(query)
        feedback = api.quality_feedback(query)
        cost = api.quality_cost(query, by=by or "model")
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    names = sorted({p.name for p in series.points})
    if names:
        name = st.selectbox("Evaluation", names, key="quality_name")
        st.subheader(f"Pass rate of {name} by {by}")
        wider = figures.bucket_for(series, name)
        if wider:
            try:
                series = api.quality_timeseries(query, by=by or "model", step_seconds=wider)
            except ApiError as exc:
                notices.api_error(exc, api.base_url)
                return
        st.caption(f"{figures.bucket_words(series.step_seconds)} buckets, chosen so each point stands on about "
                   f"{figures.MIN_PER_BUCKET} evaluations or more where the data allows; hover for the counts.")
        st.plotly_chart(figures.pass_rate_over_time(series, name), key="quality_over_time", config=PLOTLY_CONFIG)
    st.subheader("Worst evaluations")
    st.markdown(figures.worst_table(worst))
    st.subheader("Feedback")
    if feedback.unjoined.expired:
        st.warning(figures.expired_feedback(feedback.unjoined), icon=":material/link_off:")
    if feedback.rows:
        st.dataframe(figures.feedback_rows(feedback), hide_index=True, key="quality_feedback")
    else:
        st.caption("No feedback in this range.")
    st.subheader("Cost per passing evaluation")
    st.dataframe(figures.cost_rows(cost.evaluations, cost.by, "passing evaluations"), hide_index=True,
                 key="quality_cost_eval")
    if cost.feedback:
        st.subheader("Cost per positive feedback")
        st.dataframe(figures.cost_rows(cost.feedback, cost.by, "positive feedbacks"), hide_index=True,
                     key="quality_cost_feedback")
