"""The dashboard's entry point: `streamlit run dashboard/app.py` (what `spyglass up` starts).

Streamlit runs this file as a script, not as part of the `dashboard` package, so the
project root goes on `sys.path` first; then each page is one module under
`dashboard/pages/`, registered below. Adding a page (Costs, GPUs, Quality & Drift) is one
new module and one line in `PAGES`.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard.pages import overview, quality  # noqa: E402


def main() -> None:
    """Configure the browser page and run whichever page the URL names."""
    st.set_page_config(page_title="Spyglass", page_icon=":material/visibility:", layout="wide")
    pages = [
        st.Page(overview.render, title=overview.TITLE, icon=":material/monitoring:", url_path="overview",
                default=True),
        st.Page(quality.render, title=quality.TITLE, icon=":material/grading:", url_path="quality"),
    ]
    st.navigation(pages, position="sidebar").run()


if __name__ == "__main__":
    main()
