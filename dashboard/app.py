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

# The menu, in order: (view module, icon, URL path). Each module has TITLE and render(); the first is the default
# page, served at "/". Tests open every page from this list.
MENU = ((overview, ":material/monitoring:", "home"), (costs, ":material/payments:", "costs"),
        (requests, ":material/account_tree:", "requests"), (models, ":material/model_training:", "models"),
        (quality, ":material/fact_check:", "quality"), (gpus, ":material/memory:", "gpus"),
        (releases, ":material/rocket_launch:", "releases"), (alerts, ":material/notifications_active:", "alerts"),
        (incidents, ":material/emergency:", "incidents"), (runbooks, ":material/menu_book:", "runbooks"),
        (settings, ":material/settings:", "settings"))


def main() -> None:
    """Configure the browser page and run whichever page the URL names."""
    st.set_page_config(page_title="Spyglass", page_icon=":material/visibility:", layout="wide")
    pages = [st.Page(view.render, title=view.TITLE, icon=icon, url_path=path, default=i == 0)
             for i, (view, icon, path) in enumerate(MENU)]
    # The default page is served at "/" only; /overview (a link anyone would type) opens it too.
    pages.append(st.Page(overview.render_alias, title=overview.TITLE, url_path="overview", visibility="hidden"))
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
