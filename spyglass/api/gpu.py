"""GPUs: the fleet over a window, its time series, idle GPUs (waste), and the dcgm-exporter scrape targets.

Fleet, time series and waste read the store through `store.queries.gpu` (one source per GPU,
so two sources never double count). The waste thresholds default to the service's settings
(`gpu.idle_max_utilization`, `gpu.idle_min_seconds`, handed over as `ApiContext.gpu_idle`) and
a request may override them. The scrape-target status lives in the collector's scraper, not in
the store, so it arrives through `ApiContext.dcgm_status` (empty when the process scrapes
nothing, e.g. an API-only process).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from client.models.gpu import GpuFleet, GpuTimeseries, GpuWaste, ScrapeTargets
from spyglass.api.common import Strings, filters, json_rows, nice_step
from spyglass.api.context import ContextDep, StoreDep
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import rfc3339
from store.errors import BadInput
from store.queries import gpu as queries

router = APIRouter(prefix="/api/v1/gpu")


def _filters(scope: Scope, since: str | None, until: str | None, project: list[str] | None,
             host: list[str] | None, gpu_model: list[str] | None, gpu: list[str] | None) -> queries.GpuFilters:
    return queries.GpuFilters(filters(scope, since, until, project, [], [], host_name=host), tuple(gpu_model or ()),
                              tuple(gpu or ()))


def _window(f: queries.GpuFilters) -> dict[str, str]:
    return {"since": rfc3339(f.base.since), "until": rfc3339(f.base.until)}


@router.get("/fleet")
def fleet(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
          project: Strings = None, host: Strings = None, gpu_model: Strings = None, gpu: Strings = None) -> GpuFleet:
    """Per GPU (MIG instances apart): last seen, utilisation mean/p95, memory used/total/headroom, power, samples."""
    f = _filters(scope, since, until, project, host, gpu_model, gpu)
    return GpuFleet.model_validate({**_window(f), "gpus": json_rows(queries.fleet(store, f))})


# Unset fields are left out: a GPU's point has its identity, a host's point its number of GPUs.
@router.get("/timeseries", response_model_exclude_unset=True)
def timeseries(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
               project: Strings = None, host: Strings = None, gpu_model: Strings = None, gpu: Strings = None,
               step: Annotated[int | None, Query(ge=60, le=31 * 86400)] = None, by: str = "gpu") -> GpuTimeseries:
    """Mean utilisation, memory and power per time bucket (whole minutes), per GPU (`by=gpu`) or per host."""
    if by not in queries.SERIES_BY:
        raise BadInput(f"by: must be one of {', '.join(queries.SERIES_BY)}")
    if step is not None and step % queries.MINUTE_SECONDS:
        raise BadInput(f"step: GPU series have whole-minute buckets; {step} is not a multiple of 60")
    f = _filters(scope, since, until, project, host, gpu_model, gpu)
    step = step or max(queries.MINUTE_SECONDS, nice_step((f.base.until - f.base.since).total_seconds()))
    return GpuTimeseries.model_validate({**_window(f), "step_seconds": step, "by": by,
                                         "points": json_rows(queries.timeseries(store, f, step, by))})


@router.get("/waste")
def waste(context: ContextDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
          project: Strings = None, host: Strings = None, gpu_model: Strings = None, gpu: Strings = None,
          max_utilization: Annotated[float | None, Query(gt=0, le=1)] = None,
          min_idle_seconds: Annotated[int | None, Query(ge=60, le=31 * 86400)] = None) -> GpuWaste:
    """GPUs idle (every one-minute mean utilisation below `max_utilization`) for `min_idle_seconds` or longer."""
    threshold = context.gpu_idle.max_utilization if max_utilization is None else max_utilization
    seconds = context.gpu_idle.min_seconds if min_idle_seconds is None else min_idle_seconds
    f = _filters(scope, since, until, project, host, gpu_model, gpu)
    stretches = json_rows(queries.idle_stretches(context.store, f, threshold, seconds))
    return GpuWaste.model_validate({**_window(f), "max_utilization": threshold, "min_idle_seconds": seconds,
                                    "resolution_seconds": queries.MINUTE_SECONDS, "gpus": idle_gpus(stretches)})


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
def scrape_targets(context: ContextDep, scope: ScopeDep) -> ScrapeTargets:
    """Per dcgm-exporter target: up, last attempt/success, consecutive failures, last error, samples. The targets
    are the service's own (their samples go to one configured project): a key scoped to projects sees none."""
    return ScrapeTargets.model_validate({"targets": context.dcgm_status() if scope.everything else []})
