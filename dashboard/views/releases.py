"""Releases: what changed in the fleet, when, and whether it made things worse.

Reads the release API only: the changes of the range (deploys, prompt versions, models, providers, prices,
configs, flags; detected or reported) on a timeline and in a table, coloured by their latest canary verdict.
Selecting a change (or opening `/releases?change=<id>`) shows the comparison its newest verdict judged by, the
reasons and the score of every analysis run; the "compare any two versions" form asks GET /api/v1/compare for any
pair and draws the same table. The change and the form's comparison live in the URL, so a link to a bad release
can be pasted into an incident.
"""

from __future__ import annotations

import streamlit as st

from client.api import ApiClient, ApiError
from client.models.changes import KINDS, Change
from client.models.compare import Comparison
from client.releases import CompareQuery
from dashboard import notices, page
from dashboard.controls import PRESETS, picker, range_words, time_range
from dashboard.figures import releases as rf
from dashboard.figures.common import PLOTLY_CONFIG

TITLE = "Releases"
SOURCES = ("detected", "reported")
COMPARE_BY = ("service_version", "prompt_version", "model", "provider")
# The form's comparison, in the URL: ?cmp_by=model&cmp_baseline=a&cmp_candidate=b&cmp_service=s&cmp_since=24h
_CMP = ("cmp_by", "cmp_baseline", "cmp_candidate", "cmp_service", "cmp_since")


def render() -> None:
    """The page; `app.py` registers it with `st.navigation`."""
    page.run(TITLE, _page)


def _page(api: ApiClient) -> None:
    with st.sidebar:
        st.subheader("Filters")
        since = time_range()
        services = picker("Service", api.filters(since=since).services, "service", "All services")
        kind = st.selectbox("Kind", KINDS, index=None, key="kind", bind="query-params", placeholder="All kinds")
        source = st.selectbox("Source", SOURCES, index=None, key="source", bind="query-params",
                              placeholder="Detected and reported")
    changes = _changes(api, since, services, kind, source)
    st.subheader("Changes")
    if changes:
        _timeline(changes)
        _table(changes)
    else:
        st.info(f"No changes in the {range_words(since)}{' with these filters' if services or kind or source else ''}."
                " Deploys show up once calls carry `service.version`; CI pipelines report theirs with "
                "`spyglass changes record` (or POST /api/v1/changes).", icon=":material/rocket_launch:")
    change_id = st.query_params.get("change")
    for part in ([lambda: _detail(api, change_id)] if change_id else []) + [lambda: _compare_form(api)]:
        try:
            part()
        except ApiError as exc:  # an unknown change or a refused comparison: said there, the rest still drawn
            notices.api_error(exc, api.base_url)


def _changes(api: ApiClient, since: str, services: tuple[str, ...], kind: str | None,
             source: str | None) -> list[Change]:
    """The changes of the range, newest first: one call per picked service (the API filters on one)."""
    if not services:
        return api.changes(since=since, kind=kind, source=source).changes
    found = [c for s in services for c in api.changes(since=since, service=s, kind=kind, source=source).changes]
    return sorted(found, key=lambda c: c.at, reverse=True)


def _timeline(changes: list[Change]) -> None:
    event = st.plotly_chart(rf.timeline(changes), key="release_timeline", config=PLOTLY_CONFIG, on_select="rerun",
                            selection_mode="points")
    points = event.selection.points if event and event.selection else []
    _select("release_timeline", points[0]["customdata"][0] if points and points[0].get("customdata") else None)


def _table(changes: list[Change]) -> None:
    event = st.dataframe(rf.change_rows(changes), hide_index=True, key="release_changes", on_select="rerun",
                         selection_mode="single-row", column_config={"id": st.column_config.TextColumn(
                             "id", help="open /releases?change=<id> to link to this change")})
    rows = event.selection.rows if event and event.selection else []
    _select("release_changes", changes[rows[0]].id if rows else None)
    st.caption("Select a change to see the comparison its canary verdict judged by.")


def _select(widget: str, change_id: str | None) -> None:
    """Open the change a widget's selection names, once per new selection: a selection stays on its widget across
    reruns, so acting on it every run would undo a newer pick in the other widget (or a `?change=` link)."""
    seen = f"{widget}_selected"
    if change_id == st.session_state.get(seen):
        return
    st.session_state[seen] = change_id
    if change_id and st.query_params.get("change") != change_id:
        st.query_params["change"] = change_id
        st.rerun()


def _detail(api: ApiClient, change_id: str) -> None:
    body = api.change_verdicts(change_id)
    change = body.change
    st.subheader(f"{change.kind} of {rf.service_of(change)}: {rf.transition(change)}")
    st.caption(f"{change.source} by {change.author or 'nobody named'} at {change.at} · id `{change.id}`"
               + (f" · [link]({change.link})" if change.link else ""))
    if change.description:
        st.markdown(change.description)
    if not body.verdicts:
        st.info("Not analysed: the canary job judges a service version, prompt version, model or provider change "
                "with a previous value within a day of it; a first version, a price, config or flag change has "
                "nothing to compare.", icon=":material/hourglass_empty:")
        return
    newest = body.verdicts[0]
    st.markdown(f"**Newest verdict** ({newest.mode.replace('_', '/')}, run {newest.run_at}):")
    _comparison(newest.comparison, key="change_comparison")
    if len(body.verdicts) > 1:
        st.markdown(f"**Score over {len(body.verdicts)} analysis runs**")
        st.plotly_chart(rf.verdict_history(body.verdicts), key="verdict_history", config=PLOTLY_CONFIG)


def _comparison(comparison: Comparison, key: str) -> None:
    """The verdict, its score and reasons, and the per-metric table."""
    say = {"fail": st.error, "marginal": st.warning, "pass": st.success}.get(comparison.verdict, st.info)
    say(rf.headline(comparison))
    st.markdown("\n".join(f"- {reason}" for reason in comparison.reasons))
    st.dataframe(rf.comparison_rows(comparison), hide_index=True, key=key)
    st.caption(f"Baseline {comparison.baseline_since} → {comparison.baseline_until}; candidate "
               f"{comparison.candidate_since} → {comparison.candidate_until} (UTC). Intervals are 95 % intervals "
               f"of the difference; p (Holm) is corrected for the number of metrics (α = {comparison.alpha}).")


def _compare_form(api: ApiClient) -> None:
    st.subheader("Compare any two versions")
    asked = {name: st.query_params.get(name, "") for name in _CMP}
    with st.form("compare"):
        by_col, base_col, cand_col, service_col, since_col = st.columns(5)
        by = by_col.selectbox("By", COMPARE_BY, index=COMPARE_BY.index(asked["cmp_by"])
                              if asked["cmp_by"] in COMPARE_BY else 0)
        baseline = base_col.text_input("Baseline", asked["cmp_baseline"], placeholder="1.4.0")
        candidate = cand_col.text_input("Candidate", asked["cmp_candidate"], placeholder="1.5.0")
        service = service_col.text_input("Service", asked["cmp_service"], placeholder="all services")
        window = since_col.selectbox("Window", list(PRESETS), index=list(PRESETS).index(asked["cmp_since"])
                                     if asked["cmp_since"] in PRESETS else list(PRESETS).index("24h"))
        if st.form_submit_button("Compare"):
            st.query_params.update({"cmp_by": by, "cmp_baseline": baseline.strip(),
                                    "cmp_candidate": candidate.strip(), "cmp_service": service.strip(),
                                    "cmp_since": window or "24h"})
            st.rerun()
    if not (asked["cmp_baseline"] and asked["cmp_candidate"]):
        st.caption("Both versions over the same window; the verdict as the canary job and `spyglass gate` judge.")
        return
    query = CompareQuery(by=asked["cmp_by"] or "service_version", baseline=asked["cmp_baseline"],
                         candidate=asked["cmp_candidate"], since=asked["cmp_since"] or "24h",
                         services=(asked["cmp_service"],) if asked["cmp_service"] else ())
    _comparison(api.compare(query), key="form_comparison")
