"""The dashboard's entry point: `streamlit run dashboard/app.py` (what `spyglass up` starts).

Streamlit runs this file as a script, not as part of the `dashboard` package, so the
project root goes on `sys.path` first; then each page is one module under
`dashboard/views/`, registered below: one module and one `st.Page` line per page. (Not
`pages/`: Streamlit treats a `pages/` folder beside the entry script as pages of its own,
and a deep link such as /costs would open that bare module instead of the page.)
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import controls  # noqa: E402
from dashboard.views import (  # noqa: E402
    alerts,
    costs,
    gpus,
    incidents,
    models,
    overview,
    quality,
    releases,
    requests,
    runbooks,
    settings,
)


def main() -> None:
    """Configure the browser page and run whichever page the URL names."""
    st.set_page_config(page_title="Spyglass", page_icon=":material/visibility:", layout="wide")
    pages = [
        st.Page(overview.render, title=overview.TITLE, icon=":material/monitoring:", url_path="home", default=True),
        # The default page is served at "/" only; /overview (a link anyone would type) opens it too.
        st.Page(overview.render_alias, title=overview.TITLE, url_path="overview", visibility="hidden"),
        st.Page(costs.render, title=costs.TITLE, icon=":material/payments:", url_path="costs"),
        st.Page(requests.render, title=requests.TITLE, icon=":material/account_tree:", url_path="requests"),
        st.Page(models.render, title=models.TITLE, icon=":material/model_training:", url_path="models"),
        st.Page(quality.render, title=quality.TITLE, icon=":material/fact_check:", url_path="quality"),
        st.Page(gpus.render, title=gpus.TITLE, icon=":material/memory:", url_path="gpus"),
        st.Page(releases.render, title=releases.TITLE, icon=":material/rocket_launch:", url_path="releases"),
        st.Page(alerts.render, title=alerts.TITLE, icon=":material/notifications_active:", url_path="alerts"),
        st.Page(incidents.render, title=incidents.TITLE, icon=":material/emergency:", url_path="incidents"),
        st.Page(runbooks.render, title=runbooks.TITLE, icon=":material/menu_book:", url_path="runbooks"),
        st.Page(settings.render, title=settings.TITLE, icon=":material/settings:", url_path="settings"),
    ]
    current = st.navigation(pages, position="hidden")
    controls.restore_filters()
    menu = st.sidebar.container()  # above the page's own sidebar filters, filled once they have their values
    current.run()
    carried = controls.remember_filters()
    with menu:
        for page in pages:
            if page.visibility == "visible":
                st.page_link(page, query_params=carried)
        st.divider()


if __name__ == "__main__":
    main()
