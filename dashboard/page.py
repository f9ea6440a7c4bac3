"""How a page runs: its title, then its body with an API client, and an API failure anywhere in the body shown as
the banner of `notices.api_error`, never a traceback. One place, so every page fails the same way."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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


def concurrently(*reads: Callable[[], Any]) -> list[Any]:
    """Independent API reads at once, their answers in order: the page waits for the slowest read, not for the sum
    of them (one client's connection pool serves the threads). The first failure is raised, as a sequence would."""
    with ThreadPoolExecutor(max_workers=len(reads)) as pool:
        return list(pool.map(lambda read: read(), reads))
