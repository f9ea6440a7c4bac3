"""GPU cost per host: what self-hosted models' GPUs cost, how much the calls used, how much sat idle.

Money is sent as decimal strings (exact; a JSON float would round it) and is null when a
host had a GPU without a price in every hour of the range (`unpriced_hours` says how many
hours of the host are missing from the sums). Rows read from the GPU cost job's latest run
per hour (store/queries/gpu_costs.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from client.models.gpu import GpuCosts
from spyglass.api.common import Strings, filters, json_rows
from spyglass.api.context import StoreDep
from spyglass.timerange import rfc3339
from store.queries import gpu_costs as q

router = APIRouter(prefix="/api/v1/gpu")
HOUR = 3600


# Unset fields are left out: `step_seconds` and each host's `series` come only with `step`.
@router.get("/costs", response_model_exclude_unset=True)
def costs(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = None,
          step: Annotated[int | None, Query(ge=HOUR, le=31 * 86400, multiple_of=HOUR)] = None) -> GpuCosts:
    """Per GPU host over the range: cost, allocated, idle, idle share, calls, unknown-host calls.

    Hours are whole: the range is read by the hour its rows belong to. With `step` (seconds,
    a multiple of 3600) each host also gets a `series` of the same figures per bucket.
    """
    f = filters(since, until, project, [], [])
    hosts = q.host_costs(store, f).to_pylist()
    for row in hosts:
        del row["bucket"]
    body: dict[str, Any] = {"since": rfc3339(f.since), "until": rfc3339(f.until), "hosts": hosts}
    if step:
        series: dict[str, list[dict[str, Any]]] = {}
        for row in json_rows(q.host_costs(store, f, step)):
            series.setdefault(row.pop("host_name"), []).append(row)
        for host in hosts:
            host["series"] = series.get(host["host_name"], [])
        body["step_seconds"] = step
    return GpuCosts.model_validate(body)
