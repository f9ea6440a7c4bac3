"""GPUs: is the fleet busy, is memory tight, what does it draw, and which GPUs sit idle?

For the ML-platform engineer who pays for GPUs by the hour: the fleet table (one row per GPU
over the range), a utilisation heatmap (GPU × time, so idle rows stand out at a glance),
memory headroom per GPU, power per host, the idle-GPU list from the waste endpoint (with the
thresholds the service applied), the idle dollars per host (from the GPU cost job), and the
dcgm-exporter scrape targets with their state, so a missing GPU can be told apart from a scrape
that is down. Reads six endpoints through the API client; shapes come from `dashboard.figures.gpus`
and `dashboard.figures.costs`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from client.api import ApiClient, ApiError, Query
from client.models.gpu import GpuCosts, GpuFleet, GpuWaste, ScrapeTarget
from dashboard import format as fmt
from dashboard import notices, page
from dashboard.controls import picker, range_words, time_range
from dashboard.figures import costs as cost_figures
from dashboard.figures import gpus as gpu_figures
from dashboard.figures.common import PLOTLY_CONFIG, parse_time

TITLE = "GPUs"
_FLEET_COLUMNS: dict[str, Any] = {
    "GPU": st.column_config.TextColumn("GPU", pinned=True),
    "last seen": st.column_config.DatetimeColumn("last seen (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "p95 util": st.column_config.TextColumn("p95 util", help="95th percentile of utilisation"),
    "peak memory GiB": st.column_config.TextColumn("peak mem GiB"),
    "memory GiB": st.column_config.TextColumn("mem GiB"),
    "headroom": st.column_config.TextColumn("headroom", help="memory left free at the peak"),
    "mean power W": st.column_config.TextColumn("mean W"),
    "samples": st.column_config.NumberColumn("samples", format="localized"),
}
_WASTE_COLUMNS: dict[str, Any] = {
    "GPU": st.column_config.TextColumn("GPU", pinned=True),
    "idle from": st.column_config.DatetimeColumn("idle from (UTC)", format="YYYY-MM-DD HH:mm"),
    "idle until": st.column_config.DatetimeColumn("idle until (UTC)", format="YYYY-MM-DD HH:mm"),
    "idle minutes": st.column_config.NumberColumn("idle minutes", format="%.0f"),
    "mean util": st.column_config.NumberColumn("mean util", format="percent"),
}


def render() -> None:
    """The page body; `app.py` registers it with `st.navigation`."""
    st.title(TITLE)
    with ApiClient.from_env() as api:
        try:
            query, fleet = _filters(api)
            if fleet.gpus:
                targets, per_gpu, per_host, waste, costs = page.concurrently(
                    api.gpu_scrape_targets, partial(api.gpu_timeseries, query, by="gpu"),
                    partial(api.gpu_timeseries, query, by="host"), partial(api.gpu_waste, query),
                    partial(api.gpu_costs, query))
            else:
                targets = api.gpu_scrape_targets()
        except ApiError as exc:
            notices.api_error(exc, api.base_url)
            return
    st.caption(f"GPUs in the {range_words(query.since)}: "
               f"{fmt.time_range(parse_time(fleet.since), parse_time(fleet.until))}")
    if not fleet.gpus and query.filtered:
        st.info(f"No GPU matches these filters in the {range_words(query.since)}. Clear a filter or widen the "
                "time range.", icon=":material/filter_alt_off:")
    elif not fleet.gpus:
        notices.no_gpu_samples(range_words(query.since))
    else:
        _kpis(fleet, waste)
        st.subheader("Fleet")
        st.dataframe(gpu_figures.fleet_rows(fleet), hide_index=True, column_config=_FLEET_COLUMNS, key="fleet")
        st.subheader("Utilisation")
        st.plotly_chart(gpu_figures.utilization_heatmap(per_gpu), key="heatmap", config=PLOTLY_CONFIG)
        left, right = st.columns(2)
        with left:
            st.subheader("Memory headroom")
            st.plotly_chart(gpu_figures.memory_headroom(fleet), key="memory", config=PLOTLY_CONFIG)
        with right:
            st.subheader("Power by host")
            st.plotly_chart(gpu_figures.power_by_host(per_host), key="power", config=PLOTLY_CONFIG)
        _idle(waste)
        _idle_cost(costs)
    _targets(targets)


def _filters(api: ApiClient) -> tuple[Query, GpuFleet]:
    """The range, and project, host and GPU model pickers (bound to the URL like every page's filters) offering
    what the range holds; returns the query and the fleet it selects."""
    with st.sidebar:
        st.subheader("Filters")
        since = time_range()
        everything = api.gpu_fleet(Query(since=since))
        projects = picker("Project", sorted({g.project for g in everything.gpus}), "project", "All projects")
        hosts = picker("Host", sorted({g.host_name for g in everything.gpus}), "host", "All hosts")
        models = picker("GPU model", sorted({g.gpu_model for g in everything.gpus if g.gpu_model}), "gpu_model",
                        "All GPU models")
    query = Query(since=since, projects=projects,
                  filters=tuple(("host", h) for h in hosts) + tuple(("gpu_model", m) for m in models))
    return query, (api.gpu_fleet(query) if query.filtered else everything)


def _kpis(fleet: GpuFleet, waste: GpuWaste) -> None:
    gpus = fleet.gpus
    known = [g.utilization_mean for g in gpus if g.utilization_mean is not None]
    power = sum(g.power_mean_watts or 0.0 for g in gpus)
    count, utilization, idle, watts = st.columns(4)
    count.metric("GPUs", fmt.count(len(gpus)), border=True, help="GPUs (and MIG instances) seen in the range")
    utilization.metric("Mean utilisation", fmt.percent(sum(known) / len(known)) if known else "–", border=True,
                       help="mean over GPUs of each GPU's mean utilisation")
    idle.metric("Idle GPUs", fmt.count(len(waste.gpus)), border=True,
                help=f"under {waste.max_utilization:.0%} utilisation for "
                     f"{waste.min_idle_seconds // 60} minutes or more")
    reporting = sum(1 for g in gpus if g.power_mean_watts is not None)
    per_gpu = f"{power / reporting:,.0f} W per GPU on average" if reporting else "no GPU reports its power"
    watts.metric("Power draw", _watts(power), border=True,
                 help=f"the fleet's mean total draw (sum over GPUs of each one's mean power); {per_gpu}")


def _watts(value: float) -> str:
    return f"{value / 1000:,.1f} kW" if value >= 1000 else f"{value:,.0f} W"


def _idle(waste: GpuWaste) -> None:
    st.subheader("Idle GPUs")
    rule = (f"under {waste.max_utilization:.0%} mean utilisation in every minute for "
            f"{waste.min_idle_seconds // 60} minutes or more")
    if not waste.gpus:
        st.caption(f"No GPU was idle ({rule}).")
        return
    st.caption(f"Stretches {rule}; a minute without samples ends a stretch.")
    st.dataframe(gpu_figures.waste_rows(waste), hide_index=True, column_config=_WASTE_COLUMNS, key="waste")


def _idle_cost(costs: GpuCosts) -> None:
    """The dollars behind the idle time: per host, GPU cost split into allocated to calls and idle."""
    st.subheader("Idle cost by host")
    if not costs.hosts:
        st.caption("No GPU cost computed for the range yet (the gpu-costs job runs every few minutes).")
        return
    st.dataframe(cost_figures.gpu_cost_rows(costs), hide_index=True, key="idle_cost", column_config={
        "idle share": st.column_config.ProgressColumn("idle share", format="percent", min_value=0, max_value=1)})


def _targets(targets: list[ScrapeTarget]) -> None:
    st.subheader("DCGM scrape targets")
    if not targets:
        st.caption("No dcgm-exporter targets configured (setting `gpu.dcgm_targets`).")
        return
    down = [t.url for t in targets if not t.up]
    if down:
        st.warning(f"{len(down)} of {len(targets)} dcgm-exporter targets are down: {', '.join(down)}",
                   icon=":material/sensors_off:")
    st.dataframe(gpu_figures.target_rows(targets), hide_index=True, key="targets")
