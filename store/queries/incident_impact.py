"""The counts an incident's impact is computed from (alerts/incidents/impact.py), for one window and scope,
and the same numbers per time bucket for the post-mortem's charts (alerts/incidents/postmortem/).

Scope: the incident's project, service, model and provider labels, each optional ('' = any). One
window per call (the incident's, then the same window a week earlier), so that a window longer than a
week, whose baseline overlaps it, still counts each window whole. Calls are read from `llm_calls`,
spend by the one spend rule (store/queries/call_spend.py: token price, or the allocated GPU time of a
GPU-served call), quality from `quality_scores` (what passing and positive mean: QualityRules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from store.base import Store, query_rows
from store.params import NS_TYPE, time_param
from store.queries import call_spend
from store.queries.quality import PASSING, POSITIVE, QualityRules

SCOPE = ("project", "service", "model", "provider")
_WINDOW = f"timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}"


@dataclass(frozen=True)
class Scope:
    """Which calls an incident is about; an empty field matches any value."""

    project: str = ""
    service: str = ""
    model: str = ""
    provider: str = ""

    @classmethod
    def of(cls, labels: Mapping[str, str]) -> Scope:
        return cls(**{name: labels.get(name, "") for name in SCOPE})

    def params(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SCOPE}


def _scope(service: str = "service_name", models: tuple[str, ...] = ("model",), provider: bool = True) -> str:
    model_test = " OR ".join(f"{column} = {{model:String}}" for column in models)
    return (f"({{project:String}} = '' OR project = {{project:String}})"
            f" AND ({{service:String}} = '' OR {service} = {{service:String}})"
            f" AND ({{model:String}} = '' OR {model_test})"
            + (" AND ({provider:String} = '' OR provider = {provider:String})" if provider else ""))


def _params(scope: Scope, since: datetime, until: datetime) -> dict[str, Any]:
    return {**scope.params(), "since": time_param(since), "until": time_param(until)}


def calls(store: Store, scope: Scope, since: datetime, until: datetime) -> dict[str, Any]:
    """Requests, errors (span status error) and the exact p95 duration in ms (None without calls)."""
    return query_rows(store, f"""
SELECT count() AS requests, countIf(status = 'error') AS errors,
    if(requests > 0, quantileExact(0.95)(duration_ns) / 1e6, NULL) AS p95_ms
FROM llm_calls FINAL
WHERE {_WINDOW} AND {_scope(models=('model', 'response_model'))}""", _params(scope, since, until))[0]


def spend(store: Store, scope: Scope, since: datetime, until: datetime) -> tuple[Decimal, int]:
    """Spend in the window (exact) and the calls without a price (the spend is a lower bound when any)."""
    hours = f"hour >= toStartOfHour({{since:{NS_TYPE}}}) AND hour < {{until:{NS_TYPE}}}"
    row = query_rows(store, f"""
SELECT {call_spend.MEASURES['cost_total']} AS cost, {call_spend.MEASURES['unpriced_calls']} AS unpriced
FROM ({call_spend.calls_sql(f"{_WINDOW} AND {_scope()}", hours)})""", _params(scope, since, until))[0]
    return Decimal(row["cost"]), int(row["unpriced"])


def quality(store: Store, scope: Scope, since: datetime, until: datetime, rules: QualityRules) -> dict[str, Any]:
    """Evaluations and how many passed; feedback and how much of it was positive."""
    return query_rows(store, f"""
SELECT countIf(source = 'eval') AS evaluations, countIf(source = 'eval' AND {PASSING}) AS passed,
    countIf(source = 'feedback') AS feedback, countIf(source = 'feedback' AND {POSITIVE}) AS positive
FROM quality_scores FINAL
WHERE {_WINDOW} AND {_scope(provider=False)}""", {**_params(scope, since, until), **rules.params()})[0]


def period_requests(store: Store, service: str, until: datetime, period: timedelta) -> int:
    """Calls of `service` in the SLO period that ends at `until` (the error budget's denominator)."""
    return int(query_rows(store, f"""
SELECT count() AS n FROM llm_calls FINAL
WHERE service_name = {{service:String}} AND timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}""",
                          {"service": service, "since": time_param(until - period),
                           "until": time_param(until)})[0]["n"])



def _bucket() -> str:
    return "toDateTime64(toStartOfInterval(timestamp, toIntervalSecond({step:UInt32})), 9, 'UTC')"


def call_series(store: Store, scope: Scope, since: datetime, until: datetime, step_seconds: int
                ) -> list[dict[str, Any]]:
    """Per bucket of `step_seconds` that has calls, oldest first: requests, errors and the exact p95 in ms."""
    return query_rows(store, f"""
SELECT {_bucket()} AS bucket, count() AS requests, countIf(status = 'error') AS errors,
    quantileExact(0.95)(duration_ns) / 1e6 AS p95_ms
FROM llm_calls FINAL
WHERE {_WINDOW} AND {_scope(models=('model', 'response_model'))}
GROUP BY bucket ORDER BY bucket""", {**_params(scope, since, until), "step": step_seconds})


def spend_series(store: Store, scope: Scope, since: datetime, until: datetime, step_seconds: int
                 ) -> list[dict[str, Any]]:
    """Per bucket of `step_seconds` that has priced calls, oldest first: the spend (exact) by the one spend rule."""
    hours = f"hour >= toStartOfHour({{since:{NS_TYPE}}}) AND hour < {{until:{NS_TYPE}}}"
    return query_rows(store, f"""
SELECT {_bucket()} AS bucket, {call_spend.MEASURES['cost_total']} AS cost_usd
FROM ({call_spend.calls_sql(f"{_WINDOW} AND {_scope()}", hours)})
GROUP BY bucket ORDER BY bucket""", {**_params(scope, since, until), "step": step_seconds})
