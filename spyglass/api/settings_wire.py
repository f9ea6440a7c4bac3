"""The effective settings as GET /api/v1/settings shows them: built once at start from `Settings`, secret-free.

Pure and apart from the router so the one rule that matters here is in one place and tested on its own: nothing
that authenticates leaves this function. A URL is cut to its host and port (a webhook's path or query may carry
a token, a ClickHouse URL its user and password); receivers' secrets are named, never valued; keys are counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from alerts.notifiers import ReceiverBase
from client.models.settings import JobView, KeysView, ReceiverView, ServiceSettings, StoreView
from spyglass.config import Settings
from spyglass.jobs import job_intervals
from spyglass.timerange import rfc3339

SOURCES = ("command-line flags, then SPYGLASS_* environment variables (SPYGLASS_SECTION__KEY), then the YAML file "
           "(--config, SPYGLASS_CONFIG, else ./spyglass.yaml), then the defaults; docs/configuration.md lists every "
           "setting. Changes apply at the next start; price catalogs, alert rules and runbooks reload on edit.")


def host_port(address: str) -> str:
    """'https://user:pw@hooks.example.com:8443/a/b?token=x' -> 'hooks.example.com:8443'; 'smtp:587' -> 'smtp:587'.
    Only the host and an explicit port survive: never a scheme's credentials, path or query."""
    parsed = urlsplit(address if "://" in address else f"//{address}")
    try:
        port = parsed.port
    except ValueError:  # not a port: show the host alone
        port = None
    host = parsed.hostname or ""
    return f"{host}:{port}" if host and port else host


def receiver_view(receiver: ReceiverBase) -> ReceiverView:
    """Name, type, the host it sends to, whether it sends resolved notifications, and which secrets it holds."""
    address = getattr(receiver, "url", None) or getattr(receiver, "smarthost", None)
    if isinstance(address, SecretStr):
        address = address.get_secret_value()
    secrets = [name for name, value in vars(receiver).items() if isinstance(value, SecretStr)]
    return ReceiverView(name=receiver.name, type=receiver.type, target=host_port(str(address)) if address else "",
                        send_resolved=receiver.send_resolved, secrets=secrets)


def service_settings(s: Settings) -> ServiceSettings:
    """The operator's view of `s` (jobs without their runs: `with_job_runs` adds those at each request)."""
    intervals = job_intervals(s)
    if not s.gpu.dcgm_targets:
        del intervals["dcgm-scrape"]
    server = bool(s.clickhouse_url)
    return ServiceSettings(
        sources=SOURCES, roles=list(s.roles), host=s.host,
        ports={"otlp_http": s.otlp_http_port, "otlp_grpc": s.otlp_grpc_port, "api": s.api_port,
               "dashboard": s.dashboard_port},
        store=StoreView(backend="clickhouse" if server else "chdb", data_dir="" if server else str(s.data_dir),
                        server=host_port(s.clickhouse_url or ""), cluster=s.clickhouse_cluster or "",
                        database=s.database),
        keys=KeysView(read=len(s.read_keys), ingest=len(s.ingest_keys), admin=len(s.admin_keys),
                      ingest_projects=sorted(set(s.ingest_keys.values()))),
        receivers=[receiver_view(r) for r in s.alerts.receivers],
        content_capture_projects=sorted(s.content.capture_projects),
        drift_reports_dir=str(s.drift_reports_path), drift_report_retention_days=s.drift.report_retention_days,
        jobs=[JobView(name=name, interval_seconds=seconds, runs=None, failures=None, last_run=None)
              for name, seconds in intervals.items()])


def with_job_runs(view: ServiceSettings, runs: Mapping[str, Mapping[str, Any]]) -> ServiceSettings:
    """`view` with each job's runs, failures and last run from this process's scheduler status (by job name)."""
    def job(j: JobView) -> JobView:
        state = runs.get(j.name)
        if state is None:
            return j
        last = state.get("last_run")
        return j.model_copy(update={"runs": state.get("runs"), "failures": state.get("failures"),
                                    "last_run": rfc3339(datetime.fromisoformat(last)) if last else None})

    return view.model_copy(update={"jobs": [job(j) for j in view.jobs]})
