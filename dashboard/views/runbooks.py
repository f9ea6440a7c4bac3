"""Runbooks: the library in force, one runbook rendered with its diagnostics, its recorded versions and the diff
between any two of them.

Reads the runbook API only (GET /api/v1/runbooks, /runbooks/{id}?version=, /{id}/versions, /{id}/diff). The runbook
shown lives in the URL (`/runbooks?runbook=<id>`), so an incident or an alert can link to it. Runbooks are files
(the shipped library and `runbooks.dirs`): this page reads them, it does not edit them.
"""

from __future__ import annotations

import streamlit as st

from client.api import ApiClient, ApiError
from client.models.runbooks import RunbookLibrary, RunbookVersions
from dashboard import notices
from dashboard.figures import runbooks as rf

TITLE = "Runbooks"
_SEVERITY_COLOR = {"critical": "red", "warning": "orange", "info": "blue"}


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    with ApiClient.from_env() as api:
        try:
            library = api.runbooks()
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
        _library(library)
        runbook_id = st.selectbox("Runbook", sorted(r.id for r in library.runbooks), index=None, key="runbook",
                                  bind="query-params", placeholder="Choose a runbook to read it")
        if runbook_id:
            try:
                _runbook(api, runbook_id)
            except ApiError as exc:
                notices.api_error(exc, api.base_url)


def _library(library: RunbookLibrary) -> None:
    if library.error:
        st.error(f"**An edited runbook file was not loaded; the last good library stays in force.** {library.error}",
                 icon=":material/error:")
    st.subheader("Library")
    st.dataframe(rf.library_rows(library), hide_index=True, key="runbook_library")
    st.caption(f"Library version {library.version[:12]}, loaded {library.loaded_at} from "
               f"{', '.join(f'`{d}`' for d in library.dirs)}: the shipped runbooks plus yours (`runbooks.dirs`); a "
               "file of yours with a shipped id overrides it. Edit the files: they reload on change, and every "
               "version is kept.")


def _runbook(api: ApiClient, runbook_id: str) -> None:
    versions = api.runbook_versions(runbook_id)
    names = [v.version for v in versions.versions]
    in_force = next((v.version for v in versions.versions if v.in_force), names[0])
    version = st.selectbox("Version", names, index=names.index(in_force), key=f"runbook_version_{runbook_id}")
    doc = api.runbook(runbook_id, version)
    st.subheader(doc.title)
    color = _SEVERITY_COLOR.get(doc.severity, "gray")
    st.markdown(f":{color}-badge[{doc.severity}] :gray-badge[v{doc.version}"
                f"{' · in force' if doc.in_force else ''}] · owners: {', '.join(doc.owners) or 'none'} · "
                f"applies to: {rf.applies_to(doc.applies_to)}")
    with st.container(border=True):
        st.markdown(rf.body(doc.text))
    st.markdown("**Diagnostics** (run when an incident opens with this runbook; their results join its timeline)")
    if doc.diagnostics:
        st.dataframe(rf.diagnostic_rows(doc), hide_index=True, key="runbook_diagnostics")
    else:
        st.caption("This runbook runs no diagnostics.")
    st.caption(f"`{doc.path}` · sha256 {doc.content_sha256[:12]} · first seen {doc.first_seen}")
    _versions(api, runbook_id, versions)


def _versions(api: ApiClient, runbook_id: str, versions: RunbookVersions) -> None:
    st.subheader("Versions")
    st.dataframe(rf.version_rows(versions), hide_index=True, key="runbook_versions")
    names = [v.version for v in versions.versions]
    if len(names) < 2:
        st.caption("One version recorded: an edit to the file records the next one, and its diff shows here.")
        return
    old, new = rf.default_pair(versions)
    left, right = st.columns(2)
    old = left.selectbox("From", names, index=names.index(old), key=f"runbook_from_{runbook_id}")
    new = right.selectbox("To", names, index=names.index(new), key=f"runbook_to_{runbook_id}")
    diff = api.runbook_diff(runbook_id, old, new).diff
    if diff:
        st.code(diff, language="diff")
    else:
        st.caption(f"{old} and {new} have the same text.")
