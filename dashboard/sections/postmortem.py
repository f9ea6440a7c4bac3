"""An incident's post-mortem: its fields edited on the page and the report downloaded (Markdown or HTML).

The fields are one form, saved with PATCH /postmortem carrying only what changed (figures/incidents.py
`postmortem_patch`). The report is the API's own (`GET /postmortem?format=md|html`, the same text `spyglass
postmortem` writes): the download button fetches it when clicked, with a client of its own, so drawing the page
costs no report rendering.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from client.api import ApiClient
from client.models.incidents import IncidentDetail
from dashboard import writes
from dashboard.figures import incidents as inf


def render(api: ApiClient, incident: IncidentDetail, by: str) -> None:
    downloads = st.columns(len(inf.REPORT_FORMATS) + 2)
    for col, (report_format, (label, mime)) in zip(downloads, inf.REPORT_FORMATS.items(), strict=False):
        col.download_button(f"Download {label}", _report(incident.id, report_format),
                            file_name=inf.report_file(incident.id, report_format), mime=mime,
                            icon=":material/download:", key=f"download_{report_format}", on_click="ignore")
    stored = incident.postmortem
    with st.form(f"postmortem_{incident.id}"):
        edited = {name: st.text_area(label, getattr(stored, name), key=f"pm_{incident.id}_{name}")
                  for name, label in inf.TEXT_FIELDS.items()}
        st.markdown("**Action items**")
        rows = st.data_editor(inf.action_item_rows(stored.action_items), num_rows="dynamic",
                              key=f"pm_{incident.id}_items", column_config={
                                  "title": st.column_config.TextColumn("title", required=True),
                                  "owner": st.column_config.TextColumn("owner"),
                                  "due": st.column_config.DateColumn("due"),
                                  "done": st.column_config.CheckboxColumn("done", default=False)})
        if st.form_submit_button("Save post-mortem", icon=":material/save:"):
            patch = inf.postmortem_patch(by, stored, edited, inf.action_items(rows))
            if patch is None:
                st.info("Nothing changed.", icon=":material/info:")
            else:
                writes.perform(api, "Post-mortem saved.", lambda: api.edit_postmortem(incident.id, patch))


def _report(incident_id: str, report_format: str) -> Callable[[], str]:
    """The report, fetched when the button is clicked (Streamlit runs this on a thread of its own)."""
    def fetch() -> str:
        with ApiClient.from_env() as api:
            return api.postmortem(incident_id, report_format)

    return fetch
