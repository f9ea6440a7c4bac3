"""Costs: what the LLM fleet spends, on what, for whom, against which budget, and what is not priced.

Reads the cost API only: spend (token cost + GPU cost allocated to calls, the split shown)
over time stacked by a chosen dimension, a breakdown table whose rows drill down (team ->
feature -> model, ...) with unit economics, budgets with burn and forecast, GPU cost allocated
vs idle per host (idle apart: it is in no spend), and the calls no price covers (a cost that is
missing is shown, never counted as zero). Every spend on the page is the same total the FOCUS
export bills for those calls.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from client.api import ApiClient, Query
from client.models.costs import Budgets, CostBreakdown, Unpriced
from client.models.gpu import GpuCosts
from dashboard import format as fmt
from dashboard import page
from dashboard.controls import range_words, sidebar_filters
from dashboard.figures import costs as cf
from dashboard.figures.common import PLOTLY_CONFIG

TITLE = "Costs"
DIMENSIONS = ("model", "team", "feature", "service", "provider", "project", "environment", "user")


def render() -> None:
    """The page; `app.py` registers it with `st.navigation`."""
    page.run(TITLE, _page)


def _page(api: ApiClient) -> None:
    query = sidebar_filters(api)
    catalog, totals, budgets, gpu, unpriced = page.concurrently(
        api.cost_catalog, partial(api.cost_breakdown, query, "provider", users=True), api.budgets,
        partial(api.gpu_costs, query), partial(api.cost_unpriced, query))
    problem = cf.catalog_problem(catalog)
    if problem:  # the numbers below are priced, but not by the prices the user just wrote: say so first
        st.warning(f"{problem}\n\nThe Settings page shows the catalog in force.", icon=":material/warning:")
    _kpis(totals)
    left, right = st.columns([3, 1])
    with right:
        by = st.selectbox("Stack by", DIMENSIONS, key="cost_by", bind="query-params")
    with left:
        st.subheader(f"Spend by {by}")
    series = api.cost_timeseries(query, by)
    if series.points:
        st.plotly_chart(cf.spend_over_time(series), key="spend", config=PLOTLY_CONFIG)
    else:
        st.info(f"No priced calls in the {range_words(query.since)}.")
    _breakdown(api, query)
    _budgets(budgets)
    _gpu(gpu)
    _unpriced(unpriced)


def _kpis(body: CostBreakdown) -> None:
    totals, idle = body.totals, body.idle
    spend, token, gpu, idle_tile = st.columns(4)
    spend.metric("Spend", fmt.money(totals.cost), border=True,
                 help=f"token cost {fmt.money(totals.token_cost)} + GPU cost {fmt.money(totals.gpu_cost)} "
                      f"allocated to calls; {totals.priced_calls:,} priced calls of {totals.calls:,}")
    token.metric("Token cost", fmt.money(totals.token_cost), border=True,
                 help="calls priced by the catalog's token prices (calls our GPUs served are priced by GPU time)")
    gpu.metric("GPU cost", fmt.money(totals.gpu_cost), border=True,
               help=f"self-hosted GPU time used by {totals.gpu_calls:,} calls, split by their tokens")
    idle_tile.metric("Idle GPU", fmt.money(idle.cost) if idle else fmt.MISSING, border=True,
                     help="GPU time no call used: not in the spend, never spread over calls" if idle else
                          "idle GPU time belongs to no service, model, team or feature: clear those filters")
    per_request, per_tokens, per_user, missing = st.columns(4)
    per_request.metric("Cost per request", fmt.money(totals.cost_per_request), border=True,
                       help=f"per successful request: {fmt.money(totals.cost_per_successful_request)}")
    per_tokens.metric("Cost per 1k tokens", fmt.money(totals.cost_per_1k_tokens), border=True)
    per_user.metric("Cost per user", fmt.money(totals.cost_per_user), border=True,
                    help=f"{fmt.count(totals.users)} users")
    missing.metric("Unpriced calls", fmt.count(totals.unpriced_calls), border=True,
                   help="calls neither a token price nor GPU time prices: not in the spend (the table below says why)")


def _breakdown(api: ApiClient, query: Query) -> None:
    """A table per level; selecting a row filters the next level to it."""
    st.subheader("Breakdown")
    path: list[tuple[str, str]] = st.session_state.setdefault("cost_path", [])
    first = st.selectbox("Group by", [d for d in DIMENSIONS if d != "environment"], key="cost_group",
                         index=1, help="Select a row to drill into it; the next level groups by another dimension")
    levels = [first, *(d for d in ("feature", "model", "user") if d != first)]
    path[:] = [(dim, value) for dim, value in path if dim in levels][:len(levels) - 1]
    if path:
        crumbs = " › ".join(f"{d} = {v}" for d, v in path)
        cols = st.columns([4, 1])
        cols[0].markdown(f"**{crumbs}**")
        if cols[1].button("Back to top", key="cost_back"):
            path.clear()
            st.rerun()
    level = levels[len(path)]
    body = api.cost_breakdown(query, level, dict(path))
    links = [cf.traces_link(query, [*path, (level, row.group(level))]) for row in body.rows]
    rows = cf.breakdown_rows(body, links)
    event = st.dataframe(rows, hide_index=True, key=f"breakdown_{len(path)}", on_select="rerun",
                         selection_mode="single-row", column_config={
                             "share": st.column_config.ProgressColumn("share", format="percent", min_value=0,
                                                                      max_value=1),
                             "traces": st.column_config.LinkColumn(
                                 "traces", display_text="open traces",
                                 help="The Requests page: this row's traces, costliest first")})
    selected = event.selection.rows if event and event.selection else []
    if selected and len(path) < len(levels) - 1:
        path.append((level, body.rows[selected[0]].group(level)))
        st.rerun()


def _budgets(body: Budgets) -> None:
    st.subheader("Budgets")
    if not body.budgets:
        st.caption("No budgets configured: add `budgets:` to spyglass.yaml (scope, value, monthly, soft, hard).")
        return
    st.plotly_chart(cf.budget_burn(body), key="budget_burn", config=PLOTLY_CONFIG)
    st.dataframe(cf.budget_rows(body), hide_index=True, key="budgets", column_config={
        "used": st.column_config.ProgressColumn("used", format="percent", min_value=0, max_value=1)})


def _gpu(body: GpuCosts) -> None:
    st.subheader("GPU cost: allocated vs idle")
    missing = cf.unpriced_hours(body)
    if missing:
        st.warning(missing, icon=":material/schedule:")
    if not body.hosts:
        st.caption("No GPU hosts in the range (self-hosted models' GPUs appear once gpu_samples arrive).")
        return
    idle, cost = cf.gpu_idle_total(body)
    st.caption(f"Idle: {fmt.money(idle)} of {fmt.money(cost)} GPU cost in the range, not in the spend above")
    st.plotly_chart(cf.gpu_cost_figure(body), key="gpu_cost", config=PLOTLY_CONFIG)
    st.dataframe(cf.gpu_cost_rows(body), hide_index=True, key="gpu_cost_hosts", column_config={
        "idle share": st.column_config.ProgressColumn("idle share", format="percent", min_value=0, max_value=1)})


def _unpriced(body: Unpriced) -> None:
    st.subheader("Unpriced calls")
    if not body.groups:
        st.caption("Every call in the range is priced.")
        return
    st.warning(f"{body.calls:,} calls have no price: they are not in the spend above. Add a catalog entry "
               "(`spyglass prices explain` tells why a model matches nothing) or a GPU price, then "
               "`spyglass reprice`.")
    st.dataframe(cf.unpriced_rows(body), hide_index=True, key="unpriced")
