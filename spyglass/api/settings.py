"""The service's configuration, read-only and secret-free: receivers, keys, the store, the jobs and their runs.

Configuration lives in files and the environment, not in the store, so there is nothing to change here; this
route exists so an operator (and the dashboard's Settings page) can see what is in force without a shell on the
host. It takes an admin key when keys are configured (access.py): it describes the deployment, which a read key
holder need not know. An admin key scoped to projects is refused (403): the deployment spans every project.
"""

from __future__ import annotations

from fastapi import APIRouter

from client.models.settings import ServiceSettings
from spyglass.api.context import ContextDep
from spyglass.api.scope import ScopeDep
from spyglass.api.settings_wire import with_job_runs
from store.errors import StoreUnavailable

router = APIRouter(prefix="/api/v1")


@router.get("/settings")
def settings(context: ContextDep, scope: ScopeDep) -> ServiceSettings:
    """The effective configuration: roles, ports, store, key counts, receivers (host only), jobs and their runs."""
    scope.require(None, "the service's settings (they describe every project's deployment)")
    if context.configuration is None:
        raise StoreUnavailable("this process was started without its configuration view")
    jobs = context.readiness().get("jobs", {}) if context.readiness else {}
    return with_job_runs(context.configuration, jobs)
