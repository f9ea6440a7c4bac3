"""GPUs: the fleet over a window, its time series, idle GPUs (waste), and the dcgm-exporter scrape targets.

Fleet, time series and waste read the store through `store.queries.gpu` (one source per GPU,
so two sources never double count). The waste thresholds default to the service's settings
(`gpu.idle_max_utilization`, `gpu.idle_min_seconds`, handed over as `app.state.gpu_idle`) and
a request may override them. The scrape-target status lives in the collector's scraper, not
in the store, so it arrives through `app.state.dcgm_status` (a callable the service sets after
`build_api`; absent when the process scrapes nothing, e.g. an API-only process, and then the
list is empty).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from spyglass.api.common import Strings, filters, get_store, json_rows, nice_step
from spyglass.config.gpu import GpuSettings
from spyglass.timerange import rfc3339
from store.base import Store
from store.errors import BadInput
from store.queries import gpu as queries

router = APIRouter(prefix="/api/v1/gpu")
StoreDep = Annotated[Store, Depends(get_store)]
_DEFAULT_IDLE = (GpuSettings.model_fields["idle_max_utilization"].default,
                 GpuSettings.model_fields["idle_min_seconds"].default)


def _filters(since: str | None, until: str | None, project: list[str], host: list[str], gpu_model: list[str],
             gpu: list[str]) -> queries.GpuFilters:
    return queries.GpuFilters(filters(since, until, project, [], [], host_name=host), tuple(gpu_model), tuple(gpu))


def _window(f: queries.GpuFilters) -> dict[str, str]:
    return {"since": rfc3339(f.base.since), "until": rfc3339(f.base.until)}


@router.get("/fleet")
def fleet(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = [],
          host: Strings = [], gpu_model: Strings = [], gpu: Strings = []) -> dict[str, Any]:
    """Per GPU (MIG instances apart): last seen, utilisation mean/p95, memory used/total/headroom, power, samples."""
    f = _filters(since, until, project, host, gpu_model, gpu)
    return {**_window(f), "gpus": json_rows(queries.fleet(store, f))}


@router.get("/timeseries")
def timeseries(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = [],
               host: Strings = [], gpu_model: Strings = [], gpu: Strings = [],
               step: Annotated[int | None, Query(ge=60, le=31 * 86400)] = None, by: str = "gpu") -> dict[str, Any]:
    """Mean utilisation, memory and power per time bucket (whole minutes), per GPU (`by=gpu`) or per host."""
    if by not in queries.SERIES_BY:
        raise BadInput(f"by: must be one of {', '.join(queries.SERIES_BY)}")
    if step is not None and step % queries.MINUTE_SECONDS:
        raise BadInput(f"step: GPU series have whole-minute buckets; {step} is not a multiple of 60")
    f = _filters(since, until, project, host, gpu_model, gpu)
    step = step or max(queries.MINUTE_SECONDS, nice_step((f.base.until - f.base.since).total_seconds()))
    return {**_window(f), "step_seconds": step, "by": by,
            "points": json_rows(queries.timeseries(store, f, step, by))}


@router.get("/waste")
def waste(request: Request, store: StoreDep, since: str | None = None, until: str | None = None,
          project: Strings = [], host: Strings = [], gpu_model: Strings = [], gpu: Strings = [],
          max_utilization: Annotated[float | None, Query(gt=0, le=1)] = None,
          min_idle_seconds: Annotated[int | None, Query(ge=60, le=31 * 86400)] = None) -> dict[str, Any]:
    """GPUs idle (every one-minute mean utilisation below `max_utilization`) for `min_idle_seconds` or longer."""
    default_utilization, default_seconds = getattr(request.app.state, "gpu_idle", _DEFAULT_IDLE)
    threshold = default_utilization if max_utilization is None else max_utilization
    seconds = default_seconds if min_idle_seconds is None else min_idle_seconds
    f = _filters(since, until, project, host, gpu_model, gpu)
    stretches = json_rows(queries.idle_stretches(store, f, threshold, seconds))
    return {**_window(f), "max_utilization": threshold, "min_idle_seconds": seconds,
            "resolution_seconds": queries.MINUTE_SECONDS, "gpus": idle_gpus(stretches)}


def idle_gpus(stretches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stretches grouped per GPU, the GPU idle longest first; each GPU's stretches in time order."""
    by_gpu: dict[tuple, dict[str, Any]] = {}
    for s in stretches:
        key = (s["project"], s["host_name"], s["gpu_uuid"], s["mig_instance"])
        entry = by_gpu.setdefault(key, {"project": s["project"], "host_name": s["host_name"],
                                        "gpu_uuid": s["gpu_uuid"], "mig_instance": s["mig_instance"],
                                        "gpu_index": s["gpu_index"], "gpu_model": s["gpu_model"],
                                        "idle_seconds": 0, "stretches": []})
        entry["idle_seconds"] += s["duration_seconds"]
        entry["stretches"].append({name: s[name] for name in ("start", "end", "duration_seconds",
                                                              "utilization_mean", "samples")})
    for entry in by_gpu.values():
        entry["stretches"].sort(key=lambda stretch: stretch["start"])
    return sorted(by_gpu.values(), key=lambda e: (-e["idle_seconds"], e["host_name"], e["gpu_index"] or 0,
                                                  e["gpu_uuid"]))


@router.get("/scrape-targets")
def scrape_targets(request: Request) -> dict[str, list[dict[str, Any]]]:
    """Per dcgm-exporter target: up, last attempt/success, consecutive failures, last error, samples."""
    status = getattr(request.app.state, "dcgm_status", None)
    return {"targets": status() if status is not None else []}
