"""Incidents: the list, and one incident worked from the page: its moves, timeline, runbook, impact and post-mortem.

Reads the incidents API only and writes through it with the dashboard's admin key. The open incident lives in the
URL (`/incidents?incident=INC-7`), so it can be linked from a chat or a ticket; the list's status and severity
filters do too, and the service filter is the sidebar's shared one. The runbook checklist and the post-mortem are
sections of their own (dashboard/sections/); this module lays the page out and runs the lifecycle's buttons.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

import streamlit as st

from client.api import ApiClient, ApiError
from client.models.incidents import IncidentDetail, IncidentSummary
from dashboard import format as fmt
from dashboard import notices, page, writes
from dashboard.controls import PRESETS, picker
from dashboard.figures import alerts as af
from dashboard.figures import incidents as inf
from dashboard.figures.common import PLOTLY_CONFIG, parse_time
from dashboard.sections import incident_runbook, postmortem

TITLE = "Incidents"
OPEN = ("triggered", "acknowledged", "mitigated")


def render() -> None:
    """The page; `app.py` registers it with `st.navigation`."""
    page.run(TITLE, _page)


def _page(api: ApiClient) -> None:
    everything = api.incidents().incidents
    with st.sidebar:
        st.subheader("Filters")
        statuses = st.multiselect("Status", inf.STATUSES, key="inc_status", bind="query-params",
                                  persist_state="session", placeholder="Any status")
        severities = st.multiselect("Severity", inf.SEVERITIES, key="inc_severity", bind="query-params",
                                    persist_state="session", placeholder="Any severity")
        services = picker("Service", sorted({i.service for i in everything if i.service}), "service", "All services")
    by = writes.actor()
    writes.show_done()
    shown = [i for i in everything if (not statuses or i.status in statuses)
             and (not severities or i.severity in severities) and (not services or i.service in services)]
    _list(everything, shown)
    incident_id = st.query_params.get("incident")
    if incident_id:
        _detail(api, incident_id, by)


def _list(everything: list[IncidentSummary], shown: list[IncidentSummary]) -> None:
    open_now = sum(1 for i in everything if i.status in OPEN)
    st.caption(f"{fmt.count(open_now)} open of {fmt.count(len(everything))}; {fmt.count(len(shown))} shown.")
    if not shown:
        st.info("No incident matches these filters." if everything else
                "No incident yet. Alerts of `alerts.incident_min_severity` (critical by default) open one, with the "
                "runbook that applies pinned; `spyglass incidents open` opens one by hand.", icon=":material/emergency:")
        return
    st.dataframe(inf.incident_rows(shown), hide_index=True, key="incident_list", selection_mode="single-row",
                 on_select=partial(_open_selected, [i.id for i in shown]),
                 column_config={"id": st.column_config.TextColumn("id", help="open /incidents?incident=<id>")})
    st.caption("Select an incident to work on it.")


def _open_selected(ids: list[str]) -> None:
    """On a new selection in the list (only then, so a linked incident stays open): open the selected incident."""
    rows = st.session_state["incident_list"]["selection"]["rows"]
    if rows:
        st.query_params["incident"] = ids[rows[0]]


def _detail(api: ApiClient, incident_id: str, by: str) -> None:
    try:
        incident = api.incident(incident_id)
    except ApiError as exc:
        if exc.status == 404:
            st.warning(f"No incident `{incident_id}`.", icon=":material/search_off:")
        else:
            notices.api_error(exc, api.base_url)
        return
    st.subheader(f"{incident.id} · {incident.title}")
    st.caption(f"**{incident.severity}** · **{incident.status}** · {incident.service or 'no service'} · "
               f"started {fmt.timestamp(incident.started_at)} · detected {fmt.timestamp(incident.detected_at)} UTC · "
               f"commander {incident.commander or 'none'} · opened by {incident.opened_by}")
    _moves(api, incident, by)
    timeline, runbook, impact, report = st.tabs(["Timeline", "Runbook", "Impact", "Post-mortem"])
    with timeline:
        _timeline(api, incident, by)
    with runbook:
        incident_runbook.render(api, incident, by)
    with impact:
        _impact(incident)
    with report:
        postmortem.render(api, incident, by)


def _moves(api: ApiClient, incident: IncidentDetail, by: str) -> None:
    """One button per move the lifecycle allows now, with an optional note on the move."""
    moves = inf.actions(incident.allowed_actions)
    if not moves:
        return
    note = st.text_input("Note with the move", key=f"move_note_{incident.id}", placeholder="optional")
    for col, (action, label, icon) in zip(st.columns(len(moves) + 2), moves, strict=False):
        if col.button(label, icon=icon, key=f"move_{action}"):
            writes.perform(api, f"{label}: {incident.id} by {by}.",
                           partial(api.transition_incident, incident.id, action, by, note.strip()))


def _timeline(api: ApiClient, incident: IncidentDetail, by: str) -> None:
    st.dataframe(inf.timeline_rows(incident.timeline), hide_index=True, key="incident_timeline")
    if incident.alerts:
        st.markdown("**Alerts**")
        st.dataframe(inf.linked_alert_rows(incident.alerts), hide_index=True, key="incident_alerts")
    traces = [*_alert_traces(api, incident), *inf.timeline_traces(incident.timeline)]
    links = [f"[requests of {incident.service or 'the fleet'} since it started]("
             f"{inf.requests_link(incident.service, parse_time(incident.started_at), _now(), PRESETS)})"]
    st.markdown("Open on the Requests page: " + ", ".join([*links, *(af.trace_link(t) for t in dict.fromkeys(traces))]))
    for entry in (e for e in incident.timeline if e.kind == "diagnostic"):
        with st.expander(entry.text, icon=":material/query_stats:"):
            columns, rows = entry.data.get("columns") or [], entry.data.get("rows") or []
            if columns and rows:
                st.dataframe([dict(zip(columns, row, strict=False)) for row in rows], hide_index=True)
            else:
                st.caption(str(entry.data.get("error") or "no rows"))
    with st.form(f"note_{incident.id}", clear_on_submit=True):
        text = st.text_area("Add a note", placeholder="what you saw, what you tried")
        if st.form_submit_button("Add note", icon=":material/edit_note:") and text.strip():
            writes.perform(api, "Note added.", lambda: api.note_incident(incident.id, by, text.strip()))


def _alert_traces(api: ApiClient, incident: IncidentDetail) -> list[str]:
    """The traces named in the evidence of the incident's alerts (while the API still holds their instances)."""
    linked = {a.fingerprint for a in incident.alerts}
    instances = api.alerts(rules=tuple(sorted({a.rule for a in incident.alerts}))).alerts
    return [t for a in instances if a.fingerprint in linked for t in af.evidence_traces(a.evidence)]


def _impact(incident: IncidentDetail) -> None:
    impact = incident.impact
    if impact is None:
        st.info("The impact is not measured yet: it is worked out when the incident opens and on each move.",
                icon=":material/hourglass_empty:")
        return
    tiles = inf.impact_tiles(impact)
    for col, (label, (value, delta)) in zip(st.columns(len(tiles)), tiles.items(), strict=True):
        col.metric(label, value, delta, delta_color="off", border=True)
    st.plotly_chart(inf.impact_figure(impact), key="impact_chart", config=PLOTLY_CONFIG)
    st.caption(f"{fmt.timestamp(impact.since)} → {fmt.timestamp(impact.until)} UTC against the same window a week "
               f"earlier; {'final (frozen at close)' if impact.final else 'measured'} {fmt.timestamp(impact.computed_at)}"
               + (f". {impact.error_budget_note}" if impact.error_budget_note else "")
               + (f". {impact.current.unpriced_calls} calls are unpriced: the cost is a lower bound"
                  if impact.current.unpriced_calls else ""))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
