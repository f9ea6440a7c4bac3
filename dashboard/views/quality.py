"""Quality & Drift: are the answers good, what does a good answer cost, and has the traffic shifted?

A thin page: the sidebar filters, then the quality view (dashboard/quality_view.py), then the
drift view (dashboard/drift_view.py), both drawn for the same query.
"""

from __future__ import annotations

import streamlit as st

from dashboard import drift_view, notices, quality_view
from dashboard.api_client import ApiClient, ApiError
from dashboard.controls import sidebar_filters

TITLE = "Quality & Drift"


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    with ApiClient.from_env() as api:
        try:
            query = sidebar_filters(api)
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
        quality_view.render(api, query)
        drift_view.render(api, query)
