"""The service's effective configuration as an operator needs to see it, without a single secret.

What is configured where a file or the environment holds it (receivers, keys, the store, the jobs' intervals),
so the Settings page can show it read-only. Every field is safe to show by construction: a receiver's target is
its host (and port) only, never a URL's path, query or credentials; keys are counted, never shown; a ClickHouse
server is its host and port, never its user or password.
"""

from __future__ import annotations

from typing import Literal

from client.models.wire import Timestamp, Wire


class ReceiverView(Wire):
    """One notification receiver: where it sends (host only), and which of its secrets are set (names only)."""

    name: str
    type: str  # webhook, alertmanager, slack, pagerduty, email
    target: str  # host[:port] the notifications go to; '' when the receiver names none
    send_resolved: bool
    secrets: list[str]  # the names of the secret settings it has (routing_key, url, secret, password)


class KeysView(Wire):
    """How many keys of each role are configured (none: that part of the API is open)."""

    read: int
    ingest: int
    admin: int
    ingest_projects: list[str]  # the projects the ingest keys pick


class StoreView(Wire):
    backend: Literal["chdb", "clickhouse"]
    data_dir: str  # the embedded store's directory ('' with a ClickHouse server)
    server: str  # the ClickHouse server's host:port ('' with the embedded store)
    cluster: str  # '' without ON CLUSTER
    database: str


class JobView(Wire):
    """A scheduled job: how often it runs, and how its runs went when this process schedules (else None)."""

    name: str
    interval_seconds: float
    runs: int | None
    failures: int | None
    last_run: Timestamp | None


class ServiceSettings(Wire):
    """GET /api/v1/settings: the configuration in force (read-only: it lives in spyglass.yaml, `SPYGLASS_*`
    variables and flags; `sources` says so), needing an admin key when keys are configured."""

    sources: str  # where the configuration comes from, highest first
    roles: list[str]
    host: str
    ports: dict[str, int]  # otlp_http, otlp_grpc, api, dashboard
    store: StoreView
    keys: KeysView
    receivers: list[ReceiverView]
    content_capture_projects: list[str]
    drift_reports_dir: str
    drift_report_retention_days: float
    jobs: list[JobView]
