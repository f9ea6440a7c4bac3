"""The only door to Spyglass's data for the dashboard and the CLI: a small typed client for the REST API.

The dashboard and the CLI never open the store (the embedded store allows one process per data
directory, and the same pages must work against a ClickHouse server), so every number they
show comes through here. Each method returns the wire model of its endpoint
(`client.models`), the same class the API declares as its response model; `ENDPOINTS` lists
what the client calls, so a test can hold it to the API's OpenAPI document. Failures become
one exception type carrying the API's own message, so a page can show a clear banner instead
of a traceback; timeouts are short because a page that hangs is worse than a page that says
the API is slow.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from client.catalog import CATALOG_ENDPOINTS, CatalogCalls
from client.configuration import CONFIGURATION_ENDPOINTS, ConfigurationCalls
from client.endpoint import Endpoint, Model
from client.incidents import INCIDENT_ENDPOINTS, IncidentCalls
from client.models.alerts import (
    AlertHistory,
    Alerts,
    BacktestRequest,
    BacktestResult,
    Rules,
    SilenceInfo,
    SilenceRequest,
    Silences,
)
from client.models.costs import (
    Budgets,
    CatalogStatus,
    CostBreakdown,
    CostTimeseries,
    RepriceRequest,
    RepriceResult,
    Unpriced,
)
from client.models.coverage import CostCoverage
from client.models.drift import DriftResults
from client.models.export import FocusExport
from client.models.feedback import FeedbackAccepted, FeedbackItem
from client.models.gpu import GpuCosts, GpuFleet, GpuTimeseries, GpuWaste, ScrapeTarget, ScrapeTargets
from client.models.llm import FilterValues, LlmCalls, Summary, Timeseries
from client.models.notifications import NotificationInfo, Notifications
from client.models.operations import Operations
from client.models.quality import QualityCost, QualityFeedback, QualitySummary, QualityTimeseries, QualityWorst
from client.models.runbooks import RunbookDiff, RunbookDocument, RunbookLibrary, RunbookVersions
from client.models.traces import TraceDetail, Traces
from client.releases import RELEASE_ENDPOINTS, ReleaseCalls
from client.storage import STORAGE_ENDPOINTS, StorageCalls

DEFAULT_API_URL = "http://127.0.0.1:8040"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
REPRICE_TIMEOUT = httpx.Timeout(3600.0, connect=5.0)  # a month of calls takes a while to price again
BACKTEST_TIMEOUT = httpx.Timeout(600.0, connect=5.0)  # a sql rule runs its query at every step

# The fields a time series may be split by (mirrors the API's `by` parameter).
SERIES_BY = ("model", "service", "provider", "project", "status", "team", "feature")

SUMMARY = Endpoint("GET", "/api/v1/summary", Summary)
TIMESERIES = Endpoint("GET", "/api/v1/timeseries", Timeseries)
FILTERS = Endpoint("GET", "/api/v1/filters", FilterValues)
LLM_CALLS = Endpoint("GET", "/api/v1/llm-calls", LlmCalls)
OPERATIONS = Endpoint("GET", "/api/v1/operations", Operations)
COST_TIMESERIES = Endpoint("GET", "/api/v1/costs/timeseries", CostTimeseries)
COST_BREAKDOWN = Endpoint("GET", "/api/v1/costs/breakdown", CostBreakdown)
COST_UNPRICED = Endpoint("GET", "/api/v1/costs/unpriced", Unpriced)
COST_COVERAGE = Endpoint("GET", "/api/v1/costs/coverage", CostCoverage)
COST_CATALOG = Endpoint("GET", "/api/v1/costs/catalog", CatalogStatus)
REPRICE = Endpoint("POST", "/api/v1/costs/reprice", RepriceResult)
BUDGETS = Endpoint("GET", "/api/v1/budgets", Budgets)
GPU_COSTS = Endpoint("GET", "/api/v1/gpu/costs", GpuCosts)
FOCUS_EXPORT = Endpoint("GET", "/api/v1/export/focus", FocusExport)
DRIFT = Endpoint("GET", "/api/v1/drift", DriftResults)
DRIFT_REPORT: Endpoint[BaseModel] = Endpoint("GET", "/api/v1/drift/{result_id}/report", None)
GPU_FLEET = Endpoint("GET", "/api/v1/gpu/fleet", GpuFleet)
GPU_TIMESERIES = Endpoint("GET", "/api/v1/gpu/timeseries", GpuTimeseries)
GPU_WASTE = Endpoint("GET", "/api/v1/gpu/waste", GpuWaste)
GPU_SCRAPE_TARGETS = Endpoint("GET", "/api/v1/gpu/scrape-targets", ScrapeTargets)
QUALITY_SUMMARY = Endpoint("GET", "/api/v1/quality/summary", QualitySummary)
QUALITY_TIMESERIES = Endpoint("GET", "/api/v1/quality/timeseries", QualityTimeseries)
QUALITY_WORST = Endpoint("GET", "/api/v1/quality/worst", QualityWorst)
QUALITY_FEEDBACK = Endpoint("GET", "/api/v1/quality/feedback", QualityFeedback)
QUALITY_COST = Endpoint("GET", "/api/v1/quality/cost", QualityCost)
RUNBOOKS = Endpoint("GET", "/api/v1/runbooks", RunbookLibrary)
RUNBOOK = Endpoint("GET", "/api/v1/runbooks/{runbook_id}", RunbookDocument)
RUNBOOK_VERSIONS = Endpoint("GET", "/api/v1/runbooks/{runbook_id}/versions", RunbookVersions)
RUNBOOK_DIFF = Endpoint("GET", "/api/v1/runbooks/{runbook_id}/diff", RunbookDiff)
ALERTS = Endpoint("GET", "/api/v1/alerts", Alerts)
ALERT_HISTORY = Endpoint("GET", "/api/v1/alerts/history", AlertHistory)
RULES = Endpoint("GET", "/api/v1/rules", Rules)
BACKTEST = Endpoint("POST", "/api/v1/rules/backtest", BacktestResult)
SILENCES = Endpoint("GET", "/api/v1/silences", Silences)
ADD_SILENCE = Endpoint("POST", "/api/v1/silences", SilenceInfo)
SILENCE = Endpoint("GET", "/api/v1/silences/{silence_id}", SilenceInfo)
EXPIRE_SILENCE = Endpoint("DELETE", "/api/v1/silences/{silence_id}", SilenceInfo)
NOTIFICATIONS = Endpoint("GET", "/api/v1/notifications", Notifications)
REPLAY_NOTIFICATION = Endpoint("POST", "/api/v1/notifications/{notification_id}/replay", NotificationInfo)
FEEDBACK = Endpoint("POST", "/api/v1/feedback", FeedbackAccepted)
TRACES = Endpoint("GET", "/api/v1/traces", Traces)
TRACE = Endpoint("GET", "/api/v1/traces/{trace_id}", TraceDetail)
ENDPOINTS = (SUMMARY, TIMESERIES, FILTERS, LLM_CALLS, OPERATIONS, COST_TIMESERIES, COST_BREAKDOWN, COST_UNPRICED,
             COST_COVERAGE, COST_CATALOG, REPRICE, BUDGETS, GPU_COSTS, FOCUS_EXPORT, DRIFT, DRIFT_REPORT, GPU_FLEET,
             GPU_TIMESERIES, GPU_WASTE, GPU_SCRAPE_TARGETS, QUALITY_SUMMARY, QUALITY_TIMESERIES, QUALITY_WORST,
             QUALITY_FEEDBACK, QUALITY_COST, ALERTS, ALERT_HISTORY, RULES, BACKTEST, SILENCES, ADD_SILENCE, SILENCE,
             EXPIRE_SILENCE, NOTIFICATIONS, REPLAY_NOTIFICATION, RUNBOOKS, RUNBOOK, RUNBOOK_VERSIONS, RUNBOOK_DIFF,
             FEEDBACK, TRACES, TRACE, *RELEASE_ENDPOINTS, *INCIDENT_ENDPOINTS, *CONFIGURATION_ENDPOINTS,
             *STORAGE_ENDPOINTS, *CATALOG_ENDPOINTS)


class ApiError(Exception):
    """The API answered with an error, or did not answer at all.

    `status` is the HTTP status (400 bad input, 401 missing/wrong key, 403 a read key where an
    admin key is needed, 404, 409 a replay of a pending notification, 503 store unavailable), or
    None when the API could not be reached; `message` is the API's own `{"error": ...}` text
    when it sent one.
    """

    def __init__(self, message: str, status: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default context (certifi's CAs, SSL_CERT_FILE honoured), made once per process: loading the CA
    bundle costs ~0.1 s of CPU, and the dashboard makes a client on every page run."""
    return httpx.create_ssl_context()


class ApiUnreachable(ApiError):
    """No answer: the service is down, starting, or SPYGLASS_API_URL points elsewhere."""


@dataclass(frozen=True)
class Query:
    """What every read endpoint filters on: a time range, project/service/model picks, and other filters.

    `since`/`until` are what the API accepts: RFC 3339, `now`, or a look-back like `6h`.
    Empty tuples mean "all". `filters` are (name, value) pairs of the endpoint's other filters
    (`("team", "search")`, `("status", "error")`); the API refuses a name the endpoint does not take.
    """

    since: str = "24h"
    until: str | None = None
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()
    environments: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        """True when any dimension filter is set (the range alone does not count)."""
        return bool(self.projects or self.services or self.models or self.filters or self.environments)

    def params(self) -> list[tuple[str, str]]:
        """Query-string pairs; filters repeat (`model=a&model=b`) as the API expects."""
        pairs = [("since", self.since)]
        if self.until:
            pairs.append(("until", self.until))
        for name, values in (("project", self.projects), ("environment", self.environments),
                             ("service", self.services), ("model", self.models)):
            pairs.extend((name, value) for value in values)
        return [*pairs, *self.filters]


class ApiClient(IncidentCalls, ReleaseCalls, ConfigurationCalls, StorageCalls, CatalogCalls):
    """A synchronous client over one connection pool; use as a context manager or call close().

    `api_key` (a read key) goes with reads; `admin_key` with every request that changes state (POST, DELETE:
    silences, replays, reprice) and with the configuration (`settings()`), and with reads too when there is no read
    key, since an admin key reads.
    """

    def __init__(self, base_url: str = DEFAULT_API_URL, api_key: str | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
                 transport: httpx.BaseTransport | None = None, admin_key: str | None = None) -> None:
        headers = {"Accept": "application/json", "User-Agent": "spyglass-client"}
        if api_key or admin_key:
            headers["Authorization"] = f"Bearer {api_key or admin_key}"
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._admin = {"Authorization": f"Bearer {admin_key}"} if admin_key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport,
                                  verify=_tls_context())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiClient:
        """Configured from SPYGLASS_API_URL, SPYGLASS_API_KEY (read key) and SPYGLASS_ADMIN_KEY (to change state),
        as `spyglass up` launches the dashboard."""
        env = os.environ if env is None else env
        return cls(env.get("SPYGLASS_API_URL") or DEFAULT_API_URL, env.get("SPYGLASS_API_KEY") or None,
                   admin_key=env.get("SPYGLASS_ADMIN_KEY") or None)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def summary(self, query: Query) -> Summary:
        """Overall and by-model requests, errors, tokens and latency percentiles."""
        return self._get(SUMMARY, query.params())

    def timeseries(self, query: Query, by: str | None = None, step_seconds: int | None = None) -> Timeseries:
        """Per-bucket requests, errors, tokens and p95 latency; `by` splits into series."""
        if by is not None and by not in SERIES_BY:
            raise ValueError(f"by: must be one of {', '.join(SERIES_BY)}")
        params = query.params()
        if by:
            params.append(("by", by))
        if step_seconds:
            params.append(("step", str(step_seconds)))
        return self._get(TIMESERIES, params)

    def filters(self, since: str = "24h", until: str | None = None) -> FilterValues:
        """The projects, services and models seen in the range, to fill the filter pickers."""
        return self._get(FILTERS, Query(since, until).params())

    def llm_calls(self, query: Query, limit: int = 100, offset: int = 0) -> LlmCalls:
        """One page of typed LLM calls, newest first; `next_offset` is None on the last page."""
        return self._get(LLM_CALLS, [*query.params(), ("limit", str(limit)), ("offset", str(offset))])

    def operations(self, query: Query, limit: int = 100) -> Operations:
        """Agent, tool and retrieval spans per operation, name and service: calls, errors, latency."""
        return self._get(OPERATIONS, [*query.params(), ("limit", str(limit))])

    def cost_timeseries(self, query: Query, by: str | None = None) -> CostTimeseries:
        """Spend per hourly bucket, split by a cost dimension into the costliest groups and "other"."""
        return self._get(COST_TIMESERIES, [*query.params(), *([("by", by)] if by else [])])

    def cost_breakdown(self, query: Query, by: str, filters: Mapping[str, str] | None = None,
                       limit: int = 200, users: bool = False) -> CostBreakdown:
        """Spend and unit economics per group of `by`; `filters` narrow a drill-down (team=ml, ...);
        `users` adds distinct users and cost per user (slower)."""
        extra = [(name, value) for name, value in (filters or {}).items()]
        return self._get(COST_BREAKDOWN, [*query.params(), *extra, ("by", by), ("limit", str(limit)),
                                                         ("users", "true" if users else "false")])

    def cost_unpriced(self, query: Query) -> Unpriced:
        """Calls stored without a price, by provider, model and reason."""
        return self._get(COST_UNPRICED, query.params())

    def cost_coverage(self, query: Query) -> CostCoverage:
        """The share of calls and tokens priced, by provider and model (unpriced first), and the entries to add."""
        return self._get(COST_COVERAGE, query.params())

    def cost_catalog(self) -> CatalogStatus:
        """The price catalog the service uses, and why an edited file was not loaded."""
        return self._get(COST_CATALOG, [])

    def reprice(self, since: str, until: str = "now") -> RepriceResult:
        """Re-price the calls of [since, until) with the service's current catalog (waits for the whole run)."""
        body = RepriceRequest(since=since, until=until).model_dump()
        return self._parse(REPRICE, self._request(REPRICE, [], body, REPRICE_TIMEOUT))

    def budgets(self) -> Budgets:
        """Each configured budget with month-to-date spend, forecast and states."""
        return self._get(BUDGETS, [])

    def gpu_costs(self, query: Query) -> GpuCosts:
        """Per GPU host: cost, allocated to calls, idle."""
        return self._get(GPU_COSTS, [(k, v) for k, v in query.params() if k in ("since", "until",
                                                                                           "project")])

    def focus_export(self, since: str, until: str) -> FocusExport:
        """FOCUS usage rows for the whole hours covering [since, until); money as exact decimals."""
        return self._get(FOCUS_EXPORT, [("since", since), ("until", until)])

    def drift(self, query: Query, latest: bool = False, features: tuple[str, ...] = (),
              limit: int = 1000) -> DriftResults:
        """Drift comparisons computed in the range, newest first, each with its per-feature results."""
        params = [*query.params(), ("latest", "true" if latest else "false"), ("limit", str(limit)),
                  *(("feature", feature) for feature in features)]
        return self._get(DRIFT, params)

    def drift_report(self, result_id: str) -> str:
        """The Evidently HTML report of one drift comparison."""
        return self._request(DRIFT_REPORT, [], path={"result_id": result_id}).text

    def gpu_fleet(self, query: Query) -> GpuFleet:
        """Per GPU over the range: last seen, utilisation mean/p95, memory and headroom, power."""
        return self._get(GPU_FLEET, query.params())

    def gpu_timeseries(self, query: Query, by: str = "gpu", step_seconds: int | None = None) -> GpuTimeseries:
        """Per-bucket utilisation, memory and power per GPU (`by="gpu"`) or per host (`by="host"`)."""
        params = [*query.params(), ("by", by)]
        if step_seconds:
            params.append(("step", str(step_seconds)))
        return self._get(GPU_TIMESERIES, params)

    def gpu_waste(self, query: Query) -> GpuWaste:
        """GPUs idle for long stretches in the range, with the thresholds the service applied."""
        return self._get(GPU_WASTE, query.params())

    def gpu_scrape_targets(self) -> list[ScrapeTarget]:
        """The dcgm-exporter targets the service scrapes, each with its up/down state and last error."""
        return self._get(GPU_SCRAPE_TARGETS, []).targets

    def quality_summary(self, query: Query) -> QualitySummary:
        """Per score name and source: count, mean value, pass rate; and the calls in the range."""
        return self._get(QUALITY_SUMMARY, query.params())

    def quality_timeseries(self, query: Query, by: str = "model", source: str = "eval",
                           step_seconds: int | None = None) -> QualityTimeseries:
        """Per bucket, `by` value (model, feature, team, service) and score name: count, mean, good."""
        step = [("step", str(step_seconds))] if step_seconds else []
        return self._get(QUALITY_TIMESERIES, [*query.params(), ("by", by), ("source", source), *step])

    def quality_worst(self, query: Query, source: str = "eval", limit: int = 20) -> QualityWorst:
        """The lowest scores with their trace and span."""
        return self._get(QUALITY_WORST, [*query.params(), ("source", source), ("limit", str(limit))])

    def quality_feedback(self, query: Query, limit: int = 50) -> QualityFeedback:
        """Recent feedback, newest first."""
        return self._get(QUALITY_FEEDBACK, [*query.params(), ("limit", str(limit))])

    def quality_cost(self, query: Query, by: str = "model") -> QualityCost:
        """Cost per passing evaluation and per positive feedback by `by` (exact decimals)."""
        return self._get(QUALITY_COST, [*query.params(), ("by", by)])

    def runbooks(self) -> RunbookLibrary:
        """The runbooks in force, and why an edited runbook file was not loaded."""
        return self._get(RUNBOOKS, [])

    def runbook(self, runbook_id: str, version: str | None = None) -> RunbookDocument:
        """One runbook version (default: the one in force) with its exact text, steps and diagnostics."""
        return self._get(RUNBOOK, [("version", version)] if version else [], {"runbook_id": runbook_id})

    def runbook_versions(self, runbook_id: str) -> RunbookVersions:
        """Every recorded version of a runbook, newest first."""
        return self._get(RUNBOOK_VERSIONS, [], {"runbook_id": runbook_id})

    def runbook_diff(self, runbook_id: str, old: str | None = None, new: str | None = None) -> RunbookDiff:
        """A unified diff between two recorded versions (default: the one before the version in force, and it)."""
        params = [(name, value) for name, value in (("from", old), ("to", new)) if value]
        return self._get(RUNBOOK_DIFF, params, {"runbook_id": runbook_id})

    def alerts(self, status: tuple[str, ...] = (), rules: tuple[str, ...] = (),
               severities: tuple[str, ...] = ()) -> Alerts:
        """Pending, firing and recently resolved alert instances, firing first, with what mutes them."""
        params = [*(("status", s) for s in status), *(("rule", r) for r in rules),
                  *(("severity", s) for s in severities)]
        return self._get(ALERTS, params)

    def alert_history(self, since: str = "24h", until: str | None = None, rule: str | None = None,
                      fingerprint: str | None = None, limit: int = 1000) -> AlertHistory:
        """State transitions in the range, newest first."""
        params = [("since", since), ("limit", str(limit)), *([("until", until)] if until else []),
                  *([("rule", rule)] if rule else []), *([("fingerprint", fingerprint)] if fingerprint else [])]
        return self._get(ALERT_HISTORY, params)

    def rules(self) -> Rules:
        """The alert rules in force with their last evaluation, and why an edited file was not loaded."""
        return self._get(RULES, [])

    def backtest(self, request: BacktestRequest) -> BacktestResult:
        """Replay a rule file's rules over stored history (waits for the whole replay)."""
        response = self._request(BACKTEST, [], request.model_dump(), BACKTEST_TIMEOUT)
        return self._parse(BACKTEST, response)

    def silences(self, state: str | None = None) -> Silences:
        """Every silence, or those in one state (pending, active, expired)."""
        return self._get(SILENCES, [("state", state)] if state else [])

    def add_silence(self, request: SilenceRequest) -> SilenceInfo:
        return self._parse(ADD_SILENCE, self._request(ADD_SILENCE, [], request.model_dump()))

    def silence(self, silence_id: str) -> SilenceInfo:
        return self._parse(SILENCE, self._request(SILENCE, [], path={"silence_id": silence_id}))

    def expire_silence(self, silence_id: str) -> SilenceInfo:
        return self._parse(EXPIRE_SILENCE, self._request(EXPIRE_SILENCE, [], path={"silence_id": silence_id}))

    def notifications(self, state: str | None = None, receiver: str | None = None, since: str | None = None,
                      limit: int = 100) -> Notifications:
        """Outbox notifications newest first, in one state (pending, delivered, dead) or for one receiver."""
        params = [(name, value) for name, value in (("state", state), ("receiver", receiver), ("since", since))
                  if value]
        return self._get(NOTIFICATIONS, [*params, ("limit", str(limit))])

    def replay_notification(self, notification_id: str) -> NotificationInfo:
        """Send a dead or delivered notification again under the same id (it is pending until the outbox sends it)."""
        return self._parse(REPLAY_NOTIFICATION, self._request(REPLAY_NOTIFICATION, [],
                                                              path={"notification_id": notification_id}))

    def send_feedback(self, items: list[FeedbackItem], ingest_key: str | None = None) -> FeedbackAccepted:
        """Users' feedback about calls (up to 1000 per request, all or nothing), as an application sends it: with
        an ingest key (which selects the project) when the service has ingest keys, not the admin key."""
        headers = {"Authorization": f"Bearer {ingest_key}"} if ingest_key else {}
        body = [item.model_dump(mode="json", exclude_defaults=True) for item in items]
        return self._parse(FEEDBACK, self._request(FEEDBACK, [], body, headers=headers))

    def traces(self, query: Query, sort: str = "time", limit: int = 50, cursor: str | None = None,
               **conditions: str) -> Traces:
        """One page of traces by `sort` (time, cost or duration; largest first); `conditions` are the list's
        other parameters (status="error", min_cost="0.05", min_duration="2s", q="4bf92f"). For the next page pass
        the answer's `next_cursor`, with a query whose since/until are the answer's (so the range stays put)."""
        params = [*query.params(), *conditions.items(), ("sort", sort), ("limit", str(limit))]
        return self._get(TRACES, [*params, *([("cursor", cursor)] if cursor else [])])

    def trace(self, trace_id: str) -> TraceDetail:
        """Every span of one trace in waterfall order, its LLM calls with tokens and costs, and its totals."""
        return self._get(TRACE, [], {"trace_id": trace_id})

    def _get(self, endpoint: Endpoint[Model], params: list[tuple[str, str]],
             path: Mapping[str, str] | None = None) -> Model:
        return self._parse(endpoint, self._request(endpoint, params, path=path))

    def _parse(self, endpoint: Endpoint[Model], response: httpx.Response) -> Model:
        """The body as the endpoint's model; a body that does not fit it is an ApiError (client and API disagree)."""
        model = endpoint.model
        if model is None:
            raise TypeError(f"{endpoint.path} does not answer JSON")
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
            raise ApiError(f"the API answered {response.status_code} with a body this client does not understand "
                           f"({model.__name__}: {problems})", response.status_code, str(response.url)) from exc

    def _request(self, endpoint: Endpoint[Any], params: list[tuple[str, str]], body: Any = None,
                 timeout: httpx.Timeout | None = None, path: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None) -> httpx.Response:
        route = endpoint.path.format(**{name: quote(value, safe="") for name, value in (path or {}).items()})
        url = f"{self.base_url}{route}"
        extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        if endpoint.method != "GET":
            extra["headers"] = self._admin if headers is None else headers
        elif headers is not None:  # a read that needs another key than the read key (GET /api/v1/settings)
            extra["headers"] = headers
        try:
            response = self._http.request(endpoint.method, route, params=tuple(params), json=body, **extra)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ApiUnreachable(f"cannot connect to the Spyglass API at {self.base_url}: {exc}", None, url) from exc
        except httpx.TimeoutException as exc:
            raise ApiUnreachable(f"the Spyglass API at {self.base_url} did not answer in time", None, url) from exc
        except httpx.HTTPError as exc:
            raise ApiUnreachable(f"request to the Spyglass API at {self.base_url} failed: {exc}", None, url) from exc
        if response.status_code >= 400:
            raise ApiError(_error_message(response), response.status_code, url)
        return response


def _error_message(response: httpx.Response) -> str:
    """The API's `{"error": ...}` text, or the status line when the body is something else."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()
