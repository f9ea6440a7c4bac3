"""Expanders whose content is drawn only while they are open.

Streamlit draws a closed expander's content all the same (hidden), so a page with an expander per alert, each with
its labels, evidence and a silence form, sent and laid out hundreds of elements nobody had opened: the Alerts
page of the demo took 2.7 s to load, most of it in the browser. With `on_change="rerun"` the expander tracks its
state, and opening it reruns the page, which then draws its content.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def lazy_expander(label: str, key: str, icon: str | None = None) -> Iterator[bool]:
    """An expander (closed at first, its state kept under `key`); the value is whether to draw its content."""
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    with box:
        yield bool(box.open)
