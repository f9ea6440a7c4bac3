"""GPU cost per host: what self-hosted models' GPUs cost, how much the calls used, how much sat idle,
and which hours of the range are not priced yet, and why.

Money is sent as decimal strings (exact; a JSON float would round it) and is null when a
host had a GPU without a price in every hour of the range (`unpriced_hours` says how many
hours of the host are missing from the sums). Rows read from the GPU cost job's latest run
per hour (store/queries/gpu_costs.py); the hours with data but no priced run come from the
job's queue (store/queries/gpu_cost_queue.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from client.models.gpu import GpuCosts
from pipelines.incremental import EPOCH
from spyglass.api.common import Strings, filters, json_rows
from spyglass.api.context import ApiContext, ContextDep
from spyglass.api.scope import ScopeDep
from spyglass.timerange import rfc3339
from store.queries import gpu_cost_queue as queue
from store.queries import gpu_costs as q
from store.queries.filters import Filters

router = APIRouter(prefix="/api/v1/gpu")
HOUR = 3600
UNPRICED_LIMIT = 1000
_NOT_QUEUED = ("no GPU cost run and nothing queued for this hour (queue rows are kept 7 days): "
               "is the scheduler's gpu-costs job running?")


def unpriced_hours(context: ApiContext, f: Filters) -> list[dict[str, Any]]:
    """The hours of the range with GPU samples or self-hosted calls and no GPU price, by hour and host."""
    projects = list(f.projects)
    waiting = queue.hours_with_data(context.store, f.since, f.until, projects, sorted(context.self_hosted_providers))
    pending = set(queue.pending_hours(context.store, EPOCH, context.gpu_max_gap_seconds, f.since, f.until)
                  if waiting else ())
    rows = [{"hour": h["hour"], "host_name": "", "calls": h["calls"],
             **({"reason": "queued", "detail": "waiting for the gpu-costs job"} if h["hour"] in pending
                else {"reason": "not_queued", "detail": _NOT_QUEUED})} for h in waiting]
    for h in queue.unpriced_host_hours(context.store, f.since, f.until, projects):
        detail = (f"self-hosted calls from {h['host_name']}, which sent no GPU samples in that hour "
                  "(gpu.host_map maps a call host to the GPU host it runs on)" if h["unknown"] else h["price_source"])
        rows.append({"hour": h["hour"], "host_name": h["host_name"], "calls": h["calls"], "detail": detail,
                     "reason": "no_gpu_samples" if h["unknown"] else "no_gpu_price"})
    rows.sort(key=lambda r: (r["hour"], r["host_name"]))
    return [{**r, "hour": rfc3339(r["hour"])} for r in rows]


# Unset fields are left out: `step_seconds` and each host's `series` come only with `step`.
@router.get("/costs", response_model_exclude_unset=True)
def costs(context: ContextDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
          project: Strings = None,
          step: Annotated[int | None, Query(ge=HOUR, le=31 * 86400, multiple_of=HOUR)] = None) -> GpuCosts:
    """Per GPU host over the range: cost, allocated, idle, idle share, calls, unknown-host calls; and the
    hours with GPU samples or self-hosted calls that have no GPU price, with the reason.

    Hours are whole: the range is read by the hour its rows belong to. With `step` (seconds,
    a multiple of 3600) each host also gets a `series` of the same figures per bucket.
    """
    store = context.store
    f = filters(scope, since, until, project, [], [])
    hosts = q.host_costs(store, f).to_pylist()
    for row in hosts:
        del row["bucket"]
    unpriced = unpriced_hours(context, f)
    body: dict[str, Any] = {"since": rfc3339(f.since), "until": rfc3339(f.until), "hosts": hosts,
                            "unpriced_hours": unpriced[:UNPRICED_LIMIT], "unpriced_hours_total": len(unpriced)}
    if step:
        series: dict[str, list[dict[str, Any]]] = {}
        for row in json_rows(q.host_costs(store, f, step)):
            series.setdefault(row.pop("host_name"), []).append(row)
        for host in hosts:
            host["series"] = series.get(host["host_name"], [])
        body["step_seconds"] = step
    return GpuCosts.model_validate(body)
