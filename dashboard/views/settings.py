"""Settings: the configuration in force, read-only. The price catalog (and, prominently, why an edited catalog
file was not loaded), budgets, alert rules, notification receivers and keys, the store and the scheduled jobs, and
what each table stores and how long it is kept.

Configuration lives in files and the environment, not in the store, so nothing here can be changed from the
browser; the page says where each part is configured. Reads GET /api/v1/costs/catalog, /budgets, /rules, /storage and
/settings (the last needs an admin key once keys are configured: without one the page says so and shows the rest).
Secrets never reach the page: the API sends receivers' hosts and key counts only.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from client.api import ApiClient, ApiError
from dashboard import notices
from dashboard.figures import costs as cf
from dashboard.figures import settings as sf
from dashboard.format import count

TITLE = "Settings"
WHERE = ("**Read-only.** Spyglass is configured by files and the environment, highest first: command-line flags, "
         "`SPYGLASS_*` environment variables (`SPYGLASS_SECTION__KEY`), then `spyglass.yaml` (or `--config`, "
         "`SPYGLASS_CONFIG`); every setting is in docs/configuration.md. Price catalogs, alert rules and runbooks "
         "reload when their files change; the rest applies at the next start.")


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    st.info(WHERE, icon=":material/edit_off:")
    with ApiClient.from_env() as api:
        parts: tuple[Callable[[ApiClient], None], ...] = (_catalog, _budgets, _rules, _configuration, _storage)
        for part in parts:
            try:
                part(api)
            except ApiError as exc:  # one part the API refuses is said there; the others are still drawn
                notices.api_error(exc, api.base_url)


def _catalog(api: ApiClient) -> None:
    status = api.cost_catalog()
    st.subheader("Price catalog")
    problem = cf.catalog_problem(status)
    if problem:
        st.error(problem, icon=":material/error:")
    version, entries = st.columns(2)
    version.metric("Version in force", status.version[:12], border=True, help=status.version)
    entries.metric("Entries", f"{status.entries:,}", border=True)
    files = ", ".join(f"`{f}`" for f in status.files) or "none (the shipped catalog alone)"
    st.caption(f"The shipped catalog (pipelines/costs/prices.yaml) with your files layered over it, in order: "
               f"{files} (`costs.catalog_files`). `spyglass prices check FILE` checks an edit before it goes live.")


def _budgets(api: ApiClient) -> None:
    body = api.budgets()
    st.subheader("Budgets")
    if body.budgets:
        st.dataframe(cf.budget_rows(body), hide_index=True, key="settings_budgets", column_config={
            "used": st.column_config.ProgressColumn("used", format="percent", min_value=0, max_value=1)})
    st.caption("`costs.budgets` in spyglass.yaml: name, scope (project, team, feature, user), value, monthly amount, "
               "soft and hard thresholds." + ("" if body.budgets else " None configured."))


def _rules(api: ApiClient) -> None:
    rules = api.rules()
    st.subheader("Alert rules")
    if rules.error:
        st.error(f"**An edited rule file was not loaded; the last good rules stay in force.** {rules.error}",
                 icon=":material/error:")
    st.dataframe(sf.rule_rows(rules), hide_index=True, key="settings_rules")
    files = ", ".join(f"`{f}`" for f in rules.files) or "none"
    st.caption(f"{len(rules.rules)} rules in force, from {files}: the shipped rules (alerts/rules/, unless "
               "`alerts.shipped_rules` is false) and yours (`alerts.rule_files`). `spyglass rules check FILE` checks "
               "an edit; "
               "`spyglass rules backtest` replays it over history.")


def _configuration(api: ApiClient) -> None:
    st.subheader("Receivers and keys")
    try:
        view = api.settings()
    except ApiError as exc:
        if exc.status not in (401, 403):
            raise
        st.warning("**Receivers, keys, the store and the jobs need an admin key** (they describe the deployment). "
                   "Start the dashboard with `SPYGLASS_ADMIN_KEY` set to one of `admin_keys` to see them here, or "
                   "ask the API: `curl -H 'Authorization: Bearer <admin key>' <api>/api/v1/settings`.",
                   icon=":material/lock:")
        return
    if view.receivers:
        st.dataframe(sf.receiver_rows(view), hide_index=True, key="settings_receivers")
    else:
        st.caption("No notification receivers: alerts are evaluated, stored and shown, and nothing is sent.")
    st.caption("`alerts.receivers` (and `alerts.route` for who gets what). Secrets are written `${SPYGLASS_...}` to "
               "come from the environment; the page shows which are set, never their values.")
    st.dataframe(sf.key_rows(view), hide_index=True, key="settings_keys")
    st.subheader("Store and jobs")
    left, right = st.columns(2)
    left.dataframe(sf.store_rows(view), hide_index=True, key="settings_store")
    right.dataframe(sf.job_rows(view), hide_index=True, height="content", key="settings_jobs")


def _storage(api: ApiClient) -> None:
    body = api.storage()
    st.subheader("Storage")
    total, raw, rows = st.columns(3)
    total.metric("On disk", sf.data_size(body.compressed_bytes), border=True)
    raw.metric("Uncompressed", sf.data_size(body.uncompressed_bytes), border=True)
    rows.metric("Rows", count(body.rows), border=True)
    st.dataframe(sf.storage_rows(body), hide_index=True, height="content", key="settings_storage")
    st.caption("Sizes and times from ClickHouse's active parts (oldest and newest: the range of each table's time "
               "column, to the second). `retention:` in spyglass.yaml sets how long each family is kept; the scheduler "
               "applies it as TTLs at start, and ClickHouse drops whole daily parts once all their rows are older.")
