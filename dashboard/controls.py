"""The sidebar filters every page shares: time range and project/environment/service/model pickers.

One place, so Overview, Costs, GPUs and the rest filter alike and a filter chosen on one
page carries to the next. The widgets are bound to the URL's query string
(`?range=6h&model=gpt-4o`), so a filtered view can be bookmarked or pasted into an incident.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from client.api import ApiClient, Query

# Look-back presets, in the API's own syntax, with the words a caption uses.
PRESETS: dict[str, str] = {"15m": "15 minutes", "1h": "hour", "6h": "6 hours", "24h": "24 hours",
                           "7d": "7 days", "30d": "30 days"}
DEFAULT_RANGE = "24h"
# The URL keys that every page shares, carried from page to page by the menu (dashboard/app.py).
GLOBAL_FILTERS = ("range", "project", "environment", "service", "model")
_KEPT = "_global_filters"
_PICKERS = (("project", "projects", "Project", "All projects"),
            ("environment", "environments", "Environment", "All environments"),
            ("service", "services", "Service", "All services"),
            ("model", "models", "Model", "All models"))


def sidebar_filters(api: ApiClient, environments: bool = True) -> Query:
    """Draw the filters in the sidebar and return the query they describe.

    The pickers offer what the API has seen in the chosen range. `environments=False` for a page whose data
    carries no environment (quality scores, drift): the picker is not drawn, and a pick made on another page
    stays in the session for the pages it applies to. Raises `ApiError` when the API cannot list them: the page
    decides how to say so.
    """
    with st.sidebar:
        st.subheader("Filters")
        since = time_range()
        available = api.filters(since=since)
        picked: dict[str, tuple[str, ...]] = {"environments": ()}
        for key, field, label, placeholder in _PICKERS:
            if field != "environments" or environments:
                picked[field] = picker(label, getattr(available, field), key, placeholder)
        st.button("Refresh", icon=":material/refresh:", help="Read the latest numbers from the API",
                  width="stretch")
    return Query(since=since, projects=picked["projects"], environments=picked["environments"],
                 services=picked["services"], models=picked["models"])


def time_range() -> str:
    """The look-back picker alone (`?range=`), for pages whose other filters differ."""
    st.session_state.setdefault("range", DEFAULT_RANGE)  # the default, set once, unless a URL or page set it
    chosen = st.segmented_control("Time range", list(PRESETS), required=True, key="range", on_change=_keep,
                                  args=("range",), help="How far back to look (UTC). Charts and totals cover this "
                                                        "window.")
    return chosen if chosen in PRESETS else DEFAULT_RANGE


def picker(label: str, seen: list[str], key: str, placeholder: str) -> tuple[str, ...]:
    """A multi-select offering what the API saw (plus the picks), kept in the URL (`?key=`) and for the session:
    the same key on two pages is the same filter, so a service picked on Costs stays picked on Releases. The
    global filters' keys are synced with the URL by `restore_filters`/`remember_filters`; a page's own are
    bound to it by Streamlit."""
    if key in GLOBAL_FILTERS:
        return tuple(st.multiselect(label, _options(seen, key), key=key, on_change=_keep, args=(key,),
                                    placeholder=placeholder))
    return tuple(st.multiselect(label, _options(seen, key), key=key, bind="query-params", persist_state="session",
                                placeholder=placeholder))


def restore_filters() -> None:
    """Before a page runs: the global filters' values, from the session when this session has them (a page
    change: Streamlit's page switch drops the query string), else from the URL (a shared link, a reload)."""
    kept = st.session_state.get(_KEPT, {})
    for key in GLOBAL_FILTERS:
        if key in kept:  # set on every run: a widget's state does not survive a page change
            st.session_state[key] = kept[key]
        elif key in st.query_params:
            values = st.query_params.get_all(key)
            st.session_state[key] = values[-1] if key == "range" else values


def remember_filters() -> list[tuple[str, str]]:
    """After a page ran: keep the global filters' values for the next page and write them to the URL, so a
    reload or a copied link shows the same; returns them as query-string pairs for the menu's links. A page
    that does not draw a filter keeps it as it was. (Streamlit's own binding of a widget to the URL loses the
    value on a page change; this keeps one copy in the session and one in the URL.)"""
    kept: dict[str, Any] = st.session_state.setdefault(_KEPT, {})
    for key in GLOBAL_FILTERS:
        if key in st.session_state:
            kept[key] = st.session_state[key]
    pairs = [(key, v) for key, value in kept.items() for v in ([value] if isinstance(value, str) else value) if v]
    for key in GLOBAL_FILTERS:
        values = [v for k, v in pairs if k == key]
        if values and st.query_params.get_all(key) != values:
            st.query_params[key] = values
        elif not values and key in st.query_params:
            del st.query_params[key]
    return pairs


def _keep(key: str) -> None:
    """A global filter changed: keep its new value at once (restore_filters runs before the widget does)."""
    st.session_state.setdefault(_KEPT, {})[key] = st.session_state[key]


def range_words(since: str) -> str:
    """'24h' -> 'last 24 hours', for captions and empty states."""
    return f"last {PRESETS.get(since, since)}"


def _options(seen: list[str], key: str) -> list[str]:
    """What the API saw plus whatever is already selected or named in the URL, so a pick survives a narrower
    range and a shared link keeps its filter even where the range holds none of it (the page then says that
    nothing matches rather than silently showing everything)."""
    selected = st.session_state.get(key) or []
    return sorted(set(seen) | set(selected) | set(st.query_params.get_all(key)))
