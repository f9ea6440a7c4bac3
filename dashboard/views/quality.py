"""Quality & Drift: are the answers good, what does a good answer cost, and has the traffic shifted?

A thin page: the sidebar filters, then the quality view (dashboard/sections/quality.py), then the
drift view (dashboard/sections/drift.py), both drawn for the same query.
"""

from __future__ import annotations

import streamlit as st

from client.api import ApiClient, ApiError
from dashboard import notices
from dashboard.controls import sidebar_filters
from dashboard.sections import drift as drift_view
from dashboard.sections import quality as quality_view

TITLE = "Quality & Drift"


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    with ApiClient.from_env() as api:
        try:
            query = sidebar_filters(api, environments=False)
            st.sidebar.caption("Quality scores and drift carry no environment: this page covers every one.")
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
        quality_view.render(api, query)
        drift_view.render(api, query)
