"""Plotly figures and table rows for the GPUs page, from the `/api/v1/gpu/*` models, as pure functions.

GPU charts have their own axes: a GPU is
labelled by host and index everywhere (`gpu_label`), so a row of the heatmap, a bar of the
headroom chart and a line of the fleet table name the same GPU the same way. Utilisation is
drawn on a fixed 0-100 % scale so that colours mean the same on every refresh, and a bucket
without samples stays blank in the heatmap: unknown is not idle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from client.models.gpu import GpuFleet, GpuPoint, GpuStats, GpuTimeseries, GpuWaste, IdleGpu, ScrapeTarget
from dashboard.figures.common import bucket_grid, parse_time, series_colors
from dashboard.format import number, percent, timestamp

GIB = float(1 << 30)
_HEIGHT = 320
_MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}


def gpu_label(gpu: GpuStats | GpuPoint | IdleGpu) -> str:
    """'node-1 · GPU 0' ('· MIG 3' for a MIG instance; the uuid when the index is unknown)."""
    index = gpu.gpu_index
    label = f"{gpu.host_name} · GPU {index}" if index is not None else f"{gpu.host_name} · {gpu.gpu_uuid}"
    return f"{label} · MIG {gpu.mig_instance}" if gpu.mig_instance else label


def fleet_rows(fleet: GpuFleet) -> list[dict[str, Any]]:
    """One table row per GPU in the API's order (host, then index); a reading the GPU does not report is "–"."""
    rows = []
    for gpu in fleet.gpus:
        total = gpu.memory_total_bytes
        headroom = gpu.memory_headroom_bytes
        rows.append({
            "GPU": gpu_label(gpu), "model": gpu.gpu_model, "source": gpu.source,
            "last seen": parse_time(gpu.last_seen), "mean util": percent(gpu.utilization_mean),
            "p95 util": percent(gpu.utilization_p95), "peak memory GiB": number(_gib(gpu.memory_used_max_bytes), ".1f"),
            "memory GiB": number(_gib(total), ".1f"),
            "headroom": percent(headroom / total if headroom is not None and total else None),
            "mean power W": number(gpu.power_mean_watts, ",.0f"), "samples": gpu.samples,
        })
    return rows


def utilization_heatmap(timeseries: GpuTimeseries) -> go.Figure:
    """GPU × time, colour = mean utilisation of the bucket; one row per GPU in the fleet table's order (host, then
    GPU index, then MIG instance) from the top, so a row is found where the table lists it."""
    since, until = parse_time(timeseries.since), parse_time(timeseries.until)
    buckets = bucket_grid(since, until, timeseries.step_seconds)
    column = {bucket: i for i, bucket in enumerate(buckets)}
    cells: dict[str, list[float | None]] = {}
    keys: dict[str, tuple[str, int, str, str]] = {}
    for point in timeseries.points:
        bucket = parse_time(point.bucket)
        if bucket in column:
            label = gpu_label(point)
            cells.setdefault(label, [None] * len(buckets))[column[bucket]] = point.utilization
            keys[label] = _fleet_order(point)
    order = sorted(cells, key=keys.__getitem__, reverse=True)  # Plotly draws the first row at the bottom
    figure = go.Figure(go.Heatmap(
        x=buckets, y=order, z=[cells[label] for label in order], zmin=0, zmax=1, colorscale="Viridis",
        colorbar={"title": "util", "tickformat": ".0%"}, hoverongaps=False,
        hovertemplate="%{y}<br>%{x|%Y-%m-%d %H:%M} UTC<br>%{z:.0%}<extra></extra>"))
    figure.update_layout(height=max(_HEIGHT, 22 * len(order) + 80), margin=_MARGIN)
    figure.update_xaxes(range=[since, until], title_text="time (UTC)")
    return figure


def memory_headroom(fleet: GpuFleet) -> go.Figure:
    """Per GPU: peak memory used and the headroom left to its total, as stacked horizontal bars (GiB)."""
    gpus = [g for g in fleet.gpus if g.memory_total_bytes is not None]
    labels = [gpu_label(g) for g in gpus]
    used = [_gib(g.memory_used_max_bytes) or 0.0 for g in gpus]
    free = [_gib(g.memory_headroom_bytes) or 0.0 for g in gpus]
    figure = go.Figure([
        go.Bar(y=labels, x=used, name="peak used", orientation="h", marker_color="#4292c6",
               hovertemplate="%{y}: %{x:,.1f} GiB used at peak<extra></extra>"),
        go.Bar(y=labels, x=free, name="headroom", orientation="h", marker_color="#c6dbef",
               hovertemplate="%{y}: %{x:,.1f} GiB free at peak<extra></extra>"),
    ])
    figure.update_layout(barmode="stack", height=max(_HEIGHT, 22 * len(labels) + 80), margin=_MARGIN,
                         legend={"orientation": "h", "y": 1.08, "x": 0})
    figure.update_xaxes(title_text="memory (GiB)", rangemode="tozero")
    figure.update_yaxes(autorange="reversed")
    return figure


def power_by_host(timeseries: GpuTimeseries) -> go.Figure:
    """Power drawn per host over time (sum of its GPUs' bucket means), one line per host."""
    since, until = parse_time(timeseries.since), parse_time(timeseries.until)
    lines: dict[str, list[tuple[datetime, float]]] = {}
    for point in timeseries.points:
        if point.power_watts is not None:
            lines.setdefault(point.host_name, []).append((parse_time(point.bucket), point.power_watts))
    colors = series_colors(lines)
    figure = go.Figure()
    for host in sorted(lines):
        xs, ys = zip(*sorted(lines[host]), strict=True)
        figure.add_scatter(x=xs, y=ys, name=host, mode="lines+markers", line={"color": colors[host]},
                           marker={"size": 4}, hovertemplate=f"{host}: %{{y:,.0f}} W<extra></extra>")
    figure.update_layout(height=_HEIGHT, margin=_MARGIN, hovermode="x unified",
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_xaxes(range=[since, until], title_text="time (UTC)")
    figure.update_yaxes(title_text="power (W)", rangemode="tozero")
    return figure


def waste_rows(waste: GpuWaste) -> list[dict[str, Any]]:
    """One row per idle stretch, GPUs idle longest first (the API's order)."""
    return [{"GPU": gpu_label(gpu), "model": gpu.gpu_model, "idle from": parse_time(s.start),
             "idle until": parse_time(s.end), "idle minutes": s.duration_seconds / 60,
             "mean util": s.utilization_mean}
            for gpu in waste.gpus for s in gpu.stretches]


def target_rows(targets: Sequence[ScrapeTarget]) -> list[dict[str, Any]]:
    """The dcgm-exporter targets as table rows: state first, then when and why."""
    return [{"target": t.url, "state": "up" if t.up else "down",
             "last success (UTC)": timestamp(t.last_success) if t.last_success else "never",
             "failures in a row": t.consecutive_failures, "last error": t.last_error,
             "GPU rows last scrape": t.rows_last_scrape} for t in targets]


def _gib(value: float | None) -> float | None:
    return value / GIB if value is not None else None


def _fleet_order(gpu: GpuPoint) -> tuple[str, int, str, str]:
    """Host, then GPU index as a number (GPU 10 after GPU 9), then MIG instance: the API's fleet order."""
    index = gpu.gpu_index if gpu.gpu_index is not None else 1 << 30
    return gpu.host_name, index, gpu.mig_instance or "", gpu.gpu_uuid or ""
