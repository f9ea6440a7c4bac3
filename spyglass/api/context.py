"""What the REST API needs from the service, in one typed object, and the dependency that hands it to routers.

The service builds one `ApiContext` from its settings and passes it to `build_api`; a router
takes the part it needs through `ContextDep` (or `StoreDep`), so every input of the API is
visible in one place and a test can build an API over any store with only the parts it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from alerts.evaluation import Detector
from alerts.incidents.desk import IncidentDesk
from alerts.inhibit import InhibitRule
from alerts.rule_source import RuleSource
from client.models.settings import ServiceSettings
from collector.auth import IngestKeys
from collector.normalise.redaction import RedactionConfig
from pipelines.costs.budgets import Budget
from pipelines.costs.catalog_source import CatalogSource
from runbooks.source import RunbookSource
from spyglass.config.gpu import GpuSettings
from store.base import Store
from store.queries.quality import QualityRules


@dataclass(frozen=True)
class GpuIdle:
    """When a GPU counts as idle for /api/v1/gpu/waste (a request may override both)."""

    max_utilization: float = GpuSettings.model_fields["idle_max_utilization"].default
    min_seconds: int = GpuSettings.model_fields["idle_min_seconds"].default


@dataclass(frozen=True)
class ApiContext:
    """Everything the API reads besides the request: the store and the service's configured parts."""

    store: Store
    # Key -> the projects it reaches (None: every project; spyglass/api/scope.py). Empty: the read API is open.
    read_keys: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    admin_keys: Mapping[str, frozenset[str] | None] = field(default_factory=dict)  # for routes that change state
    # The writer's and the jobs' state for /readyz, when this process collects or schedules.
    readiness: Callable[[], Mapping[str, Any]] | None = None
    ingest_keys: IngestKeys = field(default_factory=IngestKeys)  # for POST /api/v1/feedback
    catalog_source: CatalogSource | None = None  # None: no price catalog here (catalog and reprice answer 503)
    runbooks: RunbookSource | None = None  # None: no runbook library here (the runbook routes answer 503)
    budgets: tuple[Budget, ...] = ()
    self_hosted_providers: frozenset[str] = frozenset()  # lower case; their calls are priced by GPU time
    drift_reports_dir: Path | None = None  # None: no report is served
    redaction: RedactionConfig = field(default_factory=RedactionConfig)  # for feedback comments
    content_projects: frozenset[str] = frozenset()  # projects whose captured content the trace detail shows
    gpu_idle: GpuIdle = field(default_factory=GpuIdle)
    # How far a GPU sample's time reaches (widens the GPU cost queue's hours, as the job does).
    gpu_max_gap_seconds: float = GpuSettings.model_fields["sample_max_gap_seconds"].default
    quality_rules: QualityRules = field(default_factory=QualityRules)
    # The DCGM scrape targets' status (the collector's scraper holds it, not the store).
    dcgm_status: Callable[[], list[dict[str, Any]]] = list
    rules: RuleSource | None = None  # None: no alert rules here (the rules API and backtests answer 503)
    detectors: Mapping[str, Detector] = field(default_factory=dict)  # by name, for backtests
    inhibit_rules: tuple[InhibitRule, ...] = ()  # to show which alerts are inhibited
    incidents: IncidentDesk | None = None  # None: no incidents here (the incident routes answer 503)
    configuration: ServiceSettings | None = None  # the secret-free settings view (None: /api/v1/settings answers 503)
    own_metrics: InMemoryMetricReader | None = None  # the service's instruments for GET /metrics (None: gauges only)


def get_context(request: Request) -> ApiContext:
    """The API's context (build_api puts it on the application; this is the one place that reads it)."""
    return request.app.state.context


def get_store(context: Annotated[ApiContext, Depends(get_context)]) -> Store:
    return context.store


ContextDep = Annotated[ApiContext, Depends(get_context)]
StoreDep = Annotated[Store, Depends(get_store)]
