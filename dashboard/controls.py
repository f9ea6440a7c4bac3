"""The sidebar filters every page shares: time range and project/service/model pickers.

One place, so Overview, Costs, GPUs and the rest filter alike and a filter chosen on one
page carries to the next. The widgets are bound to the URL's query string
(`?range=6h&model=gpt-4o`), so a filtered view can be bookmarked or pasted into an incident.
"""

from __future__ import annotations

import streamlit as st

from client.api import ApiClient, Query

# Look-back presets, in the API's own syntax, with the words a caption uses.
PRESETS: dict[str, str] = {"15m": "15 minutes", "1h": "hour", "6h": "6 hours", "24h": "24 hours",
                           "7d": "7 days", "30d": "30 days"}
DEFAULT_RANGE = "24h"
_PICKERS = (("project", "projects", "Project", "All projects"),
            ("service", "services", "Service", "All services"),
            ("model", "models", "Model", "All models"))


def sidebar_filters(api: ApiClient) -> Query:
    """Draw the filters in the sidebar and return the query they describe.

    The pickers offer what the API has seen in the chosen range. Raises `ApiError` when
    the API cannot list them: the page decides how to say so.
    """
    with st.sidebar:
        st.subheader("Filters")
        since = time_range()
        available = api.filters(since=since)
        picked: dict[str, tuple[str, ...]] = {}
        for key, field, label, placeholder in _PICKERS:
            picked[field] = picker(label, getattr(available, field), key, placeholder)
        st.button("Refresh", icon=":material/refresh:", help="Read the latest numbers from the API",
                  width="stretch")
    return Query(since=since, projects=picked["projects"], services=picked["services"], models=picked["models"])


def time_range() -> str:
    """The look-back picker alone (bound to `?range=`), for pages whose other filters differ."""
    chosen = st.segmented_control("Time range", list(PRESETS), default=DEFAULT_RANGE, required=True,
                                  key="range", bind="query-params", persist_state="session",
                                  help="How far back to look (UTC). Charts and totals cover this window.")
    return chosen if chosen in PRESETS else DEFAULT_RANGE


def picker(label: str, seen: list[str], key: str, placeholder: str) -> tuple[str, ...]:
    """A multi-select bound to `?key=` and kept for the session, offering what the API saw (plus the picks):
    the same key on two pages is the same filter, so a service picked on Costs stays picked on Releases."""
    return tuple(st.multiselect(label, _options(seen, key), key=key, bind="query-params", persist_state="session",
                                placeholder=placeholder))


def range_words(since: str) -> str:
    """'24h' -> 'last 24 hours', for captions and empty states."""
    return f"last {PRESETS.get(since, since)}"


def _options(seen: list[str], key: str) -> list[str]:
    """What the API saw plus whatever is already selected, so a pick survives a narrower range."""
    selected = st.session_state.get(key) or []
    return sorted(set(seen) | set(selected))
