"""How a page runs: its title, then its body with an API client, and an API failure anywhere in the body shown as
the banner of `notices.api_error`, never a traceback. One place, so every page fails the same way."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from client.api import ApiClient, ApiError
from dashboard import notices


def run(title: str, body: Callable[[ApiClient], None]) -> None:
    """Draw `title`, then `body(api)`; what the body drew before a failure stays, the banner comes after it."""
    st.title(title)
    with ApiClient.from_env() as api:
        try:
            body(api)
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
