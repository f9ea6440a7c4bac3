"""How a page changes state (silence, replay, acknowledge, note, edit): who acts, and what the page says after.

The Alerts and Incidents pages write through the API with the dashboard's admin key (`SPYGLASS_ADMIN_KEY`, which
`spyglass up` passes on unless `dashboard_writes` is off). A write either succeeds, and the page reruns to show the
new state with a one-line confirmation carried across the rerun, or fails, and the page says why where the button
was; a refusal for want of an admin key says how to give the dashboard one, never a bare 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from client.api import ApiClient, ApiError
from dashboard import notices

_FLASH = "write_flash"
DEFAULT_ACTOR = "dashboard"


def actor() -> str:
    """The name written as `by`/`created_by` on every change (a sidebar field, kept for the session)."""
    with st.sidebar:
        name = st.text_input("Acting as", key="actor", value=DEFAULT_ACTOR, persist_state="session",
                             help="Your name, recorded on silences, incident moves, notes and edits")
    return name.strip() or DEFAULT_ACTOR


def perform(api: ApiClient, done: str, call: Callable[[], Any]) -> bool:
    """Run one write; on success remember `done` for the next run and rerun, on failure say why here."""
    try:
        call()
    except ApiError as exc:
        refused(exc, api.base_url)
        return False
    st.session_state[_FLASH] = done
    st.rerun()
    return True  # not reached: st.rerun() stops this run


def refused(exc: ApiError, base_url: str) -> None:
    """Why a write failed: no admin key, a move the lifecycle refuses, bad input, or the API's other failures."""
    if exc.status in (401, 403):
        st.error(f"**The Spyglass API refused this change ({exc.status}): it needs an admin key.** The dashboard "
                 "changes state with `SPYGLASS_ADMIN_KEY`; `spyglass up` passes on the first of `admin_keys` unless "
                 "`dashboard_writes` is false. Use the CLI with `--admin-key`, or restart the service with an "
                 f"admin key for the dashboard.\n\n{exc.message}", icon=":material/lock:")
    elif exc.status in (400, 404, 409):
        st.error(f"**Not done ({exc.status}):** {exc.message}", icon=":material/block:")
    else:
        notices.api_error(exc, base_url)


def show_done() -> None:
    """The confirmation of the write that caused this rerun, once."""
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")
