"""Quality & Drift: are the answers still good, and has the traffic changed?

In this branch the page holds the drift section only (`dashboard/drift_view.py`); the quality
sections come from the quality work and join it here.
"""

from __future__ import annotations

import streamlit as st

from dashboard import drift_view, notices
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
        drift_view.render(api, query)
