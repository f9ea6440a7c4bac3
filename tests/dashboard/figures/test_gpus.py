"""The GPUs page's pure parts: labels, table rows and figures from the /api/v1/gpu models."""

from __future__ import annotations

from datetime import datetime

from client.models.gpu import GpuFleet, GpuTimeseries, GpuWaste, ScrapeTarget
from dashboard.figures import gpus as gpu_figures
from dashboard.figures.gpus import GIB
from tests.helpers.wire import make

FLEET = make(GpuFleet, gpus=[
    {"project": "p", "host_name": "node-a", "gpu_uuid": "GPU-1", "mig_instance": "", "gpu_index": 0,
     "gpu_model": "H100", "mig_profile": "", "source": "agent", "last_seen": "2026-11-21T02:59:55.000000000Z",
     "utilization_mean": 0.5, "utilization_p95": 0.9, "memory_used_mean_bytes": 30 * GIB,
     "memory_used_max_bytes": 60 * GIB, "memory_total_bytes": 80 * GIB, "memory_headroom_bytes": 20 * GIB,
     "power_mean_watts": 300.0, "samples": 2160},
    {"project": "p", "host_name": "node-b", "gpu_uuid": "GPU-2", "mig_instance": "3", "gpu_index": None,
     "gpu_model": "A100", "mig_profile": "1g.10gb", "source": "dcgm", "last_seen": "2026-11-21T02:00:00Z",
     "utilization_mean": None, "utilization_p95": None, "memory_used_mean_bytes": None,
     "memory_used_max_bytes": None, "memory_total_bytes": None, "memory_headroom_bytes": None,
     "power_mean_watts": None, "samples": 5},
])
SERIES = make(GpuTimeseries, since="2026-11-21T00:00:00Z", until="2026-11-21T03:00:00Z", step_seconds=3600, points=[
    {"bucket": "2026-11-21T00:00:00.000000000Z", "host_name": "node-a", "gpu_uuid": "GPU-1", "mig_instance": "",
     "gpu_index": 0, "utilization": 0.9, "power_watts": 500.0},
    {"bucket": "2026-11-21T02:00:00.000000000Z", "host_name": "node-a", "gpu_uuid": "GPU-1", "mig_instance": "",
     "gpu_index": 0, "utilization": 0.7, "power_watts": 400.0},
    {"bucket": "2026-11-21T01:00:00.000000000Z", "host_name": "node-a", "gpu_uuid": "GPU-3", "mig_instance": "",
     "gpu_index": 1, "utilization": 0.01, "power_watts": None},
])


def test_a_gpu_is_named_by_host_and_index_else_uuid_and_mig_instance():
    assert [gpu_figures.gpu_label(g) for g in FLEET.gpus] == ["node-a · GPU 0", "node-b · GPU-2 · MIG 3"]


def test_fleet_rows_convert_bytes_and_keep_unknowns_unknown():
    busy, mig = gpu_figures.fleet_rows(FLEET)
    assert (busy["peak memory GiB"], busy["memory GiB"], busy["headroom"]) == ("60.0", "80.0", "25.0%")
    assert busy["last seen"] == datetime(2026, 11, 21, 2, 59, 55)
    assert (mig["mean util"], mig["headroom"], mig["memory GiB"]) == ("–", "–", "–"), "unknown reads '–', not None"
    assert None not in mig.values()


def test_heatmap_rows_follow_the_fleet_table_host_then_gpu_number():
    points = [{"bucket": "2026-11-21T00:00:00Z", "project": "p", "host_name": host, "gpu_uuid": f"{host}-{i}",
               "gpu_index": i, "utilization": util}
              for host, i, util in (("node-b", 0, 0.9), ("node-a", 10, 0.1), ("node-a", 9, 0.99), ("node-a", 2, 0.0))]
    series = make(GpuTimeseries, since="2026-11-21T00:00:00Z", until="2026-11-21T01:00:00Z", step_seconds=3600,
                  points=points)
    rows = list(gpu_figures.utilization_heatmap(series).data[0].y)
    assert rows[::-1] == ["node-a · GPU 2", "node-a · GPU 9", "node-a · GPU 10", "node-b · GPU 0"], \
        "top to bottom as the table lists them, whatever their utilisation"


def test_heatmap_spans_the_range_with_gaps_for_missing_buckets():
    trace = gpu_figures.utilization_heatmap(SERIES).data[0]
    assert list(trace.x) == [datetime(2026, 11, 21, h) for h in range(3)]
    assert list(trace.y) == ["node-a · GPU 1", "node-a · GPU 0"]        # Plotly's first row is the bottom one
    assert [list(row) for row in trace.z] == [[None, 0.01, None], [0.9, None, 0.7]]
    assert (trace.zmin, trace.zmax) == (0, 1)


def test_memory_headroom_stacks_peak_use_and_free_memory_of_gpus_that_report_a_total():
    used, free = gpu_figures.memory_headroom(FLEET).data
    assert (list(used.y), list(used.x), list(free.x)) == (["node-a · GPU 0"], [60.0], [20.0])


def test_power_by_host_draws_only_known_readings_in_time_order():
    [line] = gpu_figures.power_by_host(SERIES).data
    assert line.name == "node-a" and list(line.y) == [500.0, 400.0]


def test_waste_and_target_rows():
    waste = make(GpuWaste, gpus=[{"host_name": "node-a", "gpu_uuid": "GPU-3", "mig_instance": "", "gpu_index": 1,
                                  "gpu_model": "H100", "idle_seconds": 5400, "stretches": [
                                      {"start": "2026-11-21T00:00:00.000000000Z",
                                       "end": "2026-11-21T01:30:00.000000000Z", "duration_seconds": 5400,
                                       "utilization_mean": 0.02, "samples": 1080}]}])
    [row] = gpu_figures.waste_rows(waste)
    assert (row["GPU"], row["idle minutes"], row["idle until"]) == ("node-a · GPU 1", 90, datetime(2026, 11, 21, 1, 30))
    [target] = gpu_figures.target_rows([make(ScrapeTarget, url="http://n:9400/metrics", up=False,
                                             last_success=None, consecutive_failures=3,
                                             last_error="connection refused", rows_last_scrape=0)])
    assert (target["state"], target["last success (UTC)"], target["failures in a row"]) == ("down", "never", 3)
    [seen] = gpu_figures.target_rows([make(ScrapeTarget, url="u", up=True, last_success="2026-11-21T01:02:03.5Z")])
    assert seen["last success (UTC)"] == "2026-11-21 01:02:03"
