"""The root configuration model: where the store is, what the process serves, who may talk to it, and one
section per subject.

Adding a section is one module (a `Section` subclass) plus one line here; flags, environment
variables and docs/configuration.md follow from the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from spyglass.config.alerts import AlertsSettings
from spyglass.config.collector import CollectorSettings
from spyglass.config.content import ContentSettings
from spyglass.config.costs import CostsSettings
from spyglass.config.drift import DriftSettings
from spyglass.config.gpu import GpuSettings
from spyglass.config.keys import SHOWN_TYPE, KeyScopes, Scopes, check_key_scopes, scopes
from spyglass.config.maintenance import MaintenanceSettings
from spyglass.config.quality import QualitySettings
from spyglass.config.releases import ReleasesSettings
from spyglass.config.retention import RetentionSettings
from spyglass.config.runbooks import RunbooksSettings
from spyglass.config.section import comma_list
from spyglass.config.telemetry import TelemetrySettings

ROLES = ("collector", "api", "scheduler")


class Settings(BaseModel):
    """Every setting of `spyglass up`; `spyglass.config.load` fills it from flags, environment and YAML."""

    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Field(Path("spyglass-data"), description="Directory of the embedded store (chDB).")
    clickhouse_url: str | None = Field(None, description=(
        "Use a ClickHouse server instead of the embedded store: http(s)://user:password@host:port."))
    clickhouse_cluster: str | None = Field(None, description=(
        "Cluster name for ON CLUSTER DDL, replicated tables and Distributed tables (needs clickhouse_url)."))
    database: str = Field("spyglass", description="The ClickHouse database Spyglass's tables live in.")
    host: str = Field("127.0.0.1", description="Address every port binds to (0.0.0.0: all interfaces).")
    otlp_http_port: int = Field(4318, ge=0, le=65535, description="OTLP/HTTP receiver port.")
    otlp_grpc_port: int = Field(4317, ge=0, le=65535, description="OTLP/gRPC receiver port.")
    api_port: int = Field(8040, ge=0, le=65535, description="REST API port (with /healthz and /readyz).")
    dashboard_port: int = Field(8501, ge=0, le=65535, description="Dashboard (Streamlit) port.")
    dashboard: bool = Field(True, description="Start the dashboard with the API role.")
    dashboard_writes: bool = Field(True, description=(
        "Give the dashboard the first of admin_keys (as SPYGLASS_ADMIN_KEY), so its Alerts and Incidents pages can "
        "silence, replay, acknowledge and edit: anyone who can open the dashboard can then change state. False: a "
        "read-only dashboard (its writes are refused whenever keys are configured)."))
    roles: tuple[str, ...] = Field(ROLES, description=(
        "What this process runs: a subset of collector, api, scheduler (split them with a ClickHouse server)."))
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    shutdown_timeout_seconds: float = Field(20, gt=0, le=3600, description=(
        "SIGTERM to exit, at most this long: acknowledged ingest drains first, jobs stop at their next chunk, "
        "and a job still running at the deadline is abandoned (it resumes from its watermark at the next start)."))
    ingest_keys: dict[str, str] = Field(default_factory=dict, description=(
        "Ingest keys, key -> project. Empty: ingest is open and the project comes from the resource "
        "attribute spyglass.project (else default)."))
    read_keys: KeyScopes = Field(default_factory=list, json_schema_extra={"shown_type": SHOWN_TYPE}, description=(
        "Keys that read the REST API (an admin key reads too). Empty: reads are open (the API binds to 127.0.0.1 "
        "by default). A list: each key reads every project. A mapping scopes each key: {key: [project, ...]} reads "
        "only those projects (every answer is filtered to them; asking for another is a 403), {key: \"*\"} reads "
        "every project."))
    admin_keys: KeyScopes = Field(default_factory=list, json_schema_extra={"shown_type": SHOWN_TYPE}, description=(
        "Keys that may change state through the REST API (silences, notification replay, reprice, ...); they "
        "read too. When any key is configured (read, ingest or admin), every route that changes state needs "
        "one of these. No keys at all: the API is open. Scoped like read_keys: a mapping {key: [project, ...]} "
        "reads and changes only those projects' data."))

    collector: CollectorSettings = Field(default_factory=CollectorSettings, description=(
        "OTLP receivers: request limits, decode workers and the batching writer."))
    content: ContentSettings = Field(default_factory=ContentSettings, description=(
        "Prompt and completion content: which projects keep it, and PII redaction."))
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings, description=(
        "Spyglass's own metrics."))
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings, description=(
        "Housekeeping of the store."))
    costs: CostsSettings = Field(default_factory=CostsSettings, description=(
        "Pricing LLM calls, the hourly rollup, your price catalogs and budgets."))
    gpu: GpuSettings = Field(default_factory=GpuSettings, description=(
        "GPU telemetry from DCGM, GPU prices, GPU cost per host and per self-hosted call, idle GPUs."))
    quality: QualitySettings = Field(default_factory=QualitySettings, description=(
        "Heuristic scores, joining early scores to their calls, and what passing and positive mean."))
    drift: DriftSettings = Field(default_factory=DriftSettings, description=(
        "The drift job: windows, sampling, tests and reports."))
    alerts: AlertsSettings = Field(default_factory=AlertsSettings, description=(
        "Alert rules, their evaluation, routing, silences and receivers."))
    runbooks: RunbooksSettings = Field(default_factory=RunbooksSettings, description=(
        "Runbooks: your directories beside the shipped library."))
    releases: ReleasesSettings = Field(default_factory=ReleasesSettings, description=(
        "Changes in the fleet: the job that detects new versions, models, providers and price catalogs."))
    retention: RetentionSettings = Field(default_factory=RetentionSettings, description=(
        "How long each family of tables keeps its rows, applied as ClickHouse TTLs that drop whole daily parts."))

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        value = comma_list(value)
        unknown = set(value) - set(ROLES) if isinstance(value, list | tuple) else set()
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; known: {', '.join(ROLES)}")
        return value

    @field_validator("read_keys", "admin_keys", mode="before")
    @classmethod
    def _key_scopes(cls, value: Any) -> Any:
        return check_key_scopes(value)

    @field_validator("admin_keys")
    @classmethod
    def _admin_keys_apart(cls, value: KeyScopes, info: ValidationInfo) -> KeyScopes:
        """A key means one thing: an admin key that is also a read or ingest key is a mistake (never quoted)."""
        for other in ("read_keys", "ingest_keys"):
            if set(value) & set(info.data.get(other) or ()):
                raise ValueError(f"a key is both an admin key and in {other}; give each key one role")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @property
    def read_scopes(self) -> Scopes:
        """Each read key with the projects it reads (None: every project)."""
        return scopes(self.read_keys)

    @property
    def admin_scopes(self) -> Scopes:
        """Each admin key with the projects it reads and changes (None: every project)."""
        return scopes(self.admin_keys)

    @property
    def drift_reports_path(self) -> Path:
        """Where drift reports live: the setting, else a folder in the data directory."""
        return self.drift.reports_dir or self.data_dir / "drift-reports"
