"""An incident's pinned runbook, rendered, with its checklist ticked from the page.

The runbook is the version pinned when the incident opened (GET /api/v1/runbooks/{id}?version=), shown as written
with each checklist item replaced by a checkbox bound to the incident's step. A tick is a write (POST
runbook-steps): the checkbox's change is kept as an intent and carried out once on the next run, so a refused write
does not repeat on every rerun, and the boxes are always drawn from the API's state (a refused tick springs back).
"""

from __future__ import annotations

import streamlit as st

from client.api import ApiClient, ApiError
from client.models.incidents import IncidentDetail, StepState
from dashboard import format as fmt
from dashboard import notices, writes
from dashboard.figures import incidents as inf

_INTENT = "runbook_step_intent"


def render(api: ApiClient, incident: IncidentDetail, by: str) -> None:
    if incident.runbook is None:
        st.info("No runbook is pinned: no runbook of the library applies to this incident's alerts.",
                icon=":material/menu_book:")
        return
    intent = st.session_state.pop(_INTENT, None)
    if intent and intent[0] == incident.id:
        _, number, checked = intent
        writes.perform(api, f"Step {number} {'checked' if checked else 'unchecked'}.",
                       lambda: api.check_runbook_step(incident.id, number, by, checked))
    pin = incident.runbook
    done = sum(1 for s in incident.steps if s.checked)
    st.caption(f"Runbook `{pin.id}` version {pin.version} (pinned when the incident opened) · "
               f"{done} of {len(incident.steps)} steps done")
    try:
        text = api.runbook(pin.id, pin.version).text
    except ApiError as exc:
        notices.api_error(exc, api.base_url)
        text = ""
    parts = inf.runbook_parts(inf.runbook_body(text))
    steps = {s.number: s for s in incident.steps}
    if sorted(p for p in parts if isinstance(p, int)) != sorted(steps):  # the text cannot be laid out by its steps
        parts = [*(p for p in [inf.runbook_body(text)] if p), *sorted(steps)]
    for part in parts:
        if isinstance(part, str):
            st.markdown(part)
        else:
            _step(incident.id, steps[part])


def _step(incident_id: str, step: StepState) -> None:
    key = f"step_{incident_id}_{step.number}"
    st.session_state[key] = step.checked  # drawn from the API's state every run
    label, rest = inf.step_label(step.text)
    st.checkbox(label, key=key, on_change=_intend, args=(incident_id, step.number, key))
    if rest:
        st.markdown(rest)
    if step.by:
        st.caption(f"{'checked' if step.checked else 'unchecked'} by {step.by} at {fmt.timestamp(step.at)} UTC")


def _intend(incident_id: str, number: int, key: str) -> None:
    st.session_state[_INTENT] = (incident_id, number, bool(st.session_state[key]))
