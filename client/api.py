"""The dashboard's only door to data: a small typed client for Spyglass's REST API.

The dashboard never opens the store (the embedded store allows one process per data
directory, and the same pages must work against a ClickHouse server), so every number on a
page comes through here. Failures become one exception type carrying the API's own message,
so a page can show a clear banner instead of a traceback; timeouts are short because a page
that hangs is worse than a page that says the API is slow.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8040"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)

# The fields a time series may be split by (mirrors the API's `by` parameter).
SERIES_BY = ("model", "service", "provider", "project", "status", "team", "feature")


class ApiError(Exception):
    """The API answered with an error, or did not answer at all.

    `status` is the HTTP status (400 bad input, 401 missing/wrong read key, 503 store
    unavailable), or None when the API could not be reached; `message` is the API's own
    `{"error": ...}` text when it sent one.
    """

    def __init__(self, message: str, status: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url


class ApiUnreachable(ApiError):
    """No answer: the service is down, starting, or SPYGLASS_API_URL points elsewhere."""


@dataclass(frozen=True)
class Query:
    """What every read endpoint filters on: a time range and project/service/model picks.

    `since`/`until` are what the API accepts: RFC 3339, `now`, or a look-back like `6h`.
    Empty tuples mean "all".
    """

    since: str = "24h"
    until: str | None = None
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        """True when any dimension filter is set (the range alone does not count)."""
        return bool(self.projects or self.services or self.models)

    def params(self) -> list[tuple[str, str]]:
        """Query-string pairs; filters repeat (`model=a&model=b`) as the API expects."""
        pairs = [("since", self.since)]
        if self.until:
            pairs.append(("until", self.until))
        for name, values in (("project", self.projects), ("service", self.services), ("model", self.models)):
            pairs.extend((name, value) for value in values)
        return pairs


class ApiClient:
    """A synchronous client over one connection pool; use as a context manager or call close()."""

    def __init__(self, base_url: str = DEFAULT_API_URL, api_key: str | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/json", "User-Agent": "spyglass-dashboard"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiClient:
        """Configured the way `spyglass up` launches the dashboard: SPYGLASS_API_URL, SPYGLASS_API_KEY."""
        env = os.environ if env is None else env
        return cls(env.get("SPYGLASS_API_URL") or DEFAULT_API_URL, env.get("SPYGLASS_API_KEY") or None)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def summary(self, query: Query) -> dict[str, Any]:
        """Overall and by-model requests, errors, tokens and latency percentiles."""
        return self._get("/api/v1/summary", query.params())

    def timeseries(self, query: Query, by: str | None = None, step_seconds: int | None = None) -> dict[str, Any]:
        """Per-bucket requests, errors, tokens and p95 latency; `by` splits into series."""
        if by is not None and by not in SERIES_BY:
            raise ValueError(f"by: must be one of {', '.join(SERIES_BY)}")
        params = query.params()
        if by:
            params.append(("by", by))
        if step_seconds:
            params.append(("step", str(step_seconds)))
        return self._get("/api/v1/timeseries", params)

    def filters(self, since: str = "24h", until: str | None = None) -> dict[str, list[str]]:
        """The projects, services and models seen in the range, to fill the filter pickers."""
        return self._get("/api/v1/filters", Query(since, until).params())

    def llm_calls(self, query: Query, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """One page of typed LLM calls, newest first; `next_offset` is None on the last page."""
        return self._get("/api/v1/llm-calls", [*query.params(), ("limit", str(limit)), ("offset", str(offset))])

    def cost_timeseries(self, query: Query, by: str | None = None) -> dict[str, Any]:
        """Spend per hourly bucket, split by a cost dimension into the costliest groups and "other"."""
        return self._get("/api/v1/costs/timeseries", [*query.params(), *([("by", by)] if by else [])])

    def cost_breakdown(self, query: Query, by: str, filters: Mapping[str, str] | None = None,
                       limit: int = 200, users: bool = False) -> dict[str, Any]:
        """Spend and unit economics per group of `by`; `filters` narrow a drill-down (team=ml, ...);
        `users` adds distinct users and cost per user (slower)."""
        extra = [(name, value) for name, value in (filters or {}).items()]
        return self._get("/api/v1/costs/breakdown", [*query.params(), *extra, ("by", by), ("limit", str(limit)),
                                                     ("users", "true" if users else "false")])

    def cost_unpriced(self, query: Query) -> dict[str, Any]:
        """Calls stored without a price, by provider, model and reason."""
        return self._get("/api/v1/costs/unpriced", query.params())

    def budgets(self) -> dict[str, Any]:
        """Each configured budget with month-to-date spend, forecast and states."""
        return self._get("/api/v1/budgets", [])

    def gpu_costs(self, query: Query) -> dict[str, Any]:
        """Per GPU host: cost, allocated to calls, idle."""
        return self._get("/api/v1/gpu/costs", [(k, v) for k, v in query.params() if k in ("since", "until",
                                                                                           "project")])

    def focus_export(self, since: str, until: str) -> dict[str, Any]:
        """FOCUS usage rows for the whole hours covering [since, until); money as decimal strings."""
        return self._get("/api/v1/export/focus", [("since", since), ("until", until)])
    def drift(self, query: Query, latest: bool = False, features: tuple[str, ...] = (),
              limit: int = 1000) -> dict[str, Any]:
        """Drift comparisons computed in the range, newest first, each with its per-feature results."""
        params = [*query.params(), ("latest", "true" if latest else "false"), ("limit", str(limit)),
                  *(("feature", feature) for feature in features)]
        return self._get("/api/v1/drift", params)

    def drift_report(self, result_id: str) -> str:
        """The Evidently HTML report of one drift comparison."""
        return self._response(f"/api/v1/drift/{result_id}/report", []).text
    def gpu_fleet(self, query: Query) -> dict[str, Any]:
        """Per GPU over the range: last seen, utilisation mean/p95, memory and headroom, power."""
        return self._get("/api/v1/gpu/fleet", query.params())

    def gpu_timeseries(self, query: Query, by: str = "gpu", step_seconds: int | None = None) -> dict[str, Any]:
        """Per-bucket utilisation, memory and power per GPU (`by="gpu"`) or per host (`by="host"`)."""
        params = [*query.params(), ("by", by)]
        if step_seconds:
            params.append(("step", str(step_seconds)))
        return self._get("/api/v1/gpu/timeseries", params)

    def gpu_waste(self, query: Query) -> dict[str, Any]:
        """GPUs idle for long stretches in the range, with the thresholds the service applied."""
        return self._get("/api/v1/gpu/waste", query.params())

    def gpu_scrape_targets(self) -> list[dict[str, Any]]:
        """The dcgm-exporter targets the service scrapes, each with its up/down state and last error."""
        return self._get("/api/v1/gpu/scrape-targets", [])["targets"]
    def quality_summary(self, query: Query) -> dict[str, Any]:
        """Per score name and source: count, mean value, pass rate; and the calls in the range."""
        return self._get("/api/v1/quality/summary", query.params())

    def quality_timeseries(self, query: Query, by: str = "model", source: str = "eval") -> dict[str, Any]:
        """Per bucket, `by` value (model, feature, team, service) and score name: count, mean, good."""
        return self._get("/api/v1/quality/timeseries", [*query.params(), ("by", by), ("source", source)])

    def quality_worst(self, query: Query, source: str = "eval", limit: int = 20) -> dict[str, Any]:
        """The lowest scores with their trace and span."""
        return self._get("/api/v1/quality/worst", [*query.params(), ("source", source), ("limit", str(limit))])

    def quality_feedback(self, query: Query, limit: int = 50) -> dict[str, Any]:
        """Recent feedback, newest first."""
        return self._get("/api/v1/quality/feedback", [*query.params(), ("limit", str(limit))])

    def quality_cost(self, query: Query, by: str = "model") -> dict[str, Any]:
        """Cost per passing evaluation and per positive feedback by `by` (Decimal strings)."""
        return self._get("/api/v1/quality/cost", [*query.params(), ("by", by)])

    def _get(self, path: str, params: list[tuple[str, str]]) -> Any:
        response = self._response(path, params)
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(f"the API answered {response.status_code} with a body that is not JSON",
                           response.status_code, f"{self.base_url}{path}") from exc

    def _response(self, path: str, params: list[tuple[str, str]]) -> httpx.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self._http.get(path, params=params)
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
