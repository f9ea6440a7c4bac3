"""Requests: the trace explorer. Which requests cost the most, took the longest or failed, and where one
request's time and money went, span by span.

Reads the traces API only: the list (`GET /api/v1/traces`) filtered by the sidebar (range, project, service,
model) and by this page's own filters, sorted by time, cost or duration, paged by the API's keyset cursor; and
one trace (`GET /api/v1/traces/{id}`) as a waterfall, a per-span table with exact dollars, its totals and its
LLM calls in detail. The open trace lives in the URL (`/requests?trace=<id>`), so other pages link to it and a
trace can be pasted into an incident; every filter does too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import streamlit as st

from client.api import ApiClient, ApiError, Query
from client.models.traces import LlmCall, Span, TraceDetail
from dashboard import format as fmt
from dashboard import notices
from dashboard.controls import range_words, sidebar_filters
from dashboard.figures import requests as rf
from dashboard.figures.common import PLOTLY_CONFIG, parse_time

TITLE = "Requests"
PAGE_SIZE = 25
SORTS = ("time", "cost", "duration")
STATUSES = ("all", "error", "ok")
# The page's own filters: URL key, label, placeholder (each is a parameter of GET /api/v1/traces).
_TEXT_FILTERS = (("team", "Team", "any team"), ("feature", "Feature", "any feature"), ("user", "User", "any user"),
                 ("min_cost", "Min cost (USD)", "0.05"), ("min_duration", "Min duration", "2s, 1500ms"),
                 ("q", "Search", "trace id prefix, user, session, response id or span name"))


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    with ApiClient.from_env() as api:
        try:
            query = sidebar_filters(api)
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
        sort, conditions = _filters()
        _trace_list(api, query, sort, conditions)
        trace_id = st.query_params.get("trace")
        if trace_id:
            _trace(api, trace_id)


def _filters() -> tuple[str, dict[str, str]]:
    """The page's filters and sort, bound to the URL; returns (sort, the API's other parameters that are set)."""
    with st.expander("Filters and sort", expanded=True, icon=":material/filter_alt:"):
        cols = st.columns(len(_TEXT_FILTERS))
        conditions = {}
        for col, (key, label, placeholder) in zip(cols, _TEXT_FILTERS, strict=True):
            value = col.text_input(label, key=key, placeholder=placeholder, bind="query-params",
                                   persist_state="session")
            if value.strip():
                conditions[key] = value.strip()
        left, right = st.columns(2)
        status = left.segmented_control("Status", STATUSES, default="all", required=True, key="status",
                                        bind="query-params", persist_state="session")
        sort = right.segmented_control("Sort by", SORTS, default="time", required=True, key="sort",
                                       bind="query-params", persist_state="session",
                                       help="time: newest first; cost and duration: largest first")
    if status in ("error", "ok"):
        conditions["status"] = status
    return (sort if sort in SORTS else "time"), conditions


def _trace_list(api: ApiClient, query: Query, sort: str, conditions: dict[str, str]) -> None:
    """One page of traces; selecting a row opens its trace (and puts it in the URL)."""
    paging = _paging((query, sort, tuple(sorted(conditions.items()))))
    if paging.window and len(paging.cursors) > 1:  # later pages keep the first page's range, so '24h' does not move
        query = Query(since=paging.window[0], until=paging.window[1], projects=query.projects,
                      services=query.services, models=query.models)
    try:
        page = api.traces(query, sort=sort, limit=PAGE_SIZE, cursor=paging.cursors[-1], **conditions)
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        return
    if len(paging.cursors) == 1:
        paging.window = (page.since, page.until)
    if not page.rows and len(paging.cursors) == 1:
        notices.no_llm_calls(range_words(query.since), query.filtered or bool(conditions))
        return
    st.caption(f"Traces with an LLM call, {fmt.time_range(parse_time(page.since), parse_time(page.until))}; "
               f"page {len(paging.cursors)}, by {sort}. Select a row to open its trace.")
    # A new key per filter set and page, so a selection never carries over to rows it was not made on.
    key = f"traces_{paging.generation}_{len(paging.cursors)}"
    st.dataframe(rf.trace_rows(page), hide_index=True, key=key, selection_mode="single-row",
                 on_select=partial(_open_selected, key, [r.trace_id for r in page.rows]))
    back, forward, _ = st.columns([1, 1, 3])
    if back.button("Previous", icon=":material/chevron_left:", disabled=len(paging.cursors) == 1, key="req_prev"):
        paging.cursors.pop()
        st.rerun()
    if forward.button("Next", icon=":material/chevron_right:", disabled=page.next_cursor is None,
                      key="req_next"):
        paging.cursors.append(page.next_cursor)
        st.rerun()


def _open_selected(key: str, trace_ids: list[str]) -> None:
    """On a change of the table's selection (only then, so "Close" stays closed): open the selected trace."""
    rows = st.session_state[key]["selection"]["rows"]
    if rows:
        st.query_params["trace"] = trace_ids[rows[0]]


@dataclass
class _Paging:
    """The cursors of the pages seen so far (None: the first) and the range the first page resolved."""

    signature: tuple[Any, ...]
    generation: int
    cursors: list[str | None] = field(default_factory=lambda: [None])
    window: tuple[str, str] | None = None


def _paging(signature: tuple[Any, ...]) -> _Paging:
    """This session's paging, started over (back to the first page) when the filters or the sort change."""
    state: _Paging | None = st.session_state.get("req_paging")
    if state is None or state.signature != signature:
        state = _Paging(signature, generation=state.generation + 1 if state else 0)
        st.session_state["req_paging"] = state
    return state


def _trace(api: ApiClient, trace_id: str) -> None:
    """One trace: totals, waterfall, spans with exact dollars, and each LLM call in detail."""
    try:
        detail = api.trace(trace_id)
    except ApiError as exc:
        if exc.status == 404:
            st.warning(f"No trace `{trace_id}` is stored (is it older than the retention, or from another "
                       "service?).", icon=":material/search_off:")
        else:
            notices.api_error(exc, api.base_url)
        return
    head, close = st.columns([6, 1])
    head.subheader(f"Trace {detail.trace_id}")
    if close.button("Close", icon=":material/close:", key="req_close"):
        del st.query_params["trace"]
        st.rerun()
    st.caption(f"{fmt.timestamp(detail.start)} UTC · {rf.totals_caption(detail)}")
    for col, (label, value) in zip(st.columns(6), rf.totals_tiles(detail).items(), strict=True):
        col.metric(label, value, border=True)
    st.plotly_chart(rf.waterfall(detail), key="waterfall", config=PLOTLY_CONFIG)
    st.dataframe(rf.span_rows(detail), hide_index=True, key="spans")
    _calls(detail)


def _calls(detail: TraceDetail) -> None:
    calls = [(s, s.llm_call) for s in detail.spans if s.llm_call is not None]
    if not calls:
        return
    st.subheader("LLM calls")
    for span, call in calls:
        with st.expander(f"{span.name} · {call.provider} {call.model} · {fmt.money(rf.call_amount(call))}",
                         expanded=len(calls) == 1):
            _call(span, call)


def _call(span: Span, call: LlmCall) -> None:
    """Who served the call, its tokens by kind with their prices, how it was priced, and its content if shown."""
    facts, tokens = st.columns([1, 1])
    facts.dataframe([{"": k, "value": v} for k, v in rf.call_facts(call).items()], hide_index=True,
                    key=f"facts_{span.span_id}")
    tokens.dataframe(rf.token_rows(call), hide_index=True, key=f"tokens_{span.span_id}")
    st.markdown(rf.cost_summary(call.cost))
    content = rf.content(span)
    if content:
        st.caption("Captured content (redacted before it was stored)")
        st.json(dict(content), expanded=False)
    elif span.content in ("stripped", "withheld"):
        st.caption(f"Content {span.content}: this project does not capture prompts and completions "
                   "(`content.capture_projects`).")
