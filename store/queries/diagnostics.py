"""Diagnostics: the named, read-only queries a runbook runs when an incident opens.

Each answers one question a responder asks first (which model drove the spend, which provider
host got slow, which GPUs are idle, which features drifted) for the incident's window and the
alert's labels, in a table of at most `MAX_ROWS` rows. A runbook names them in its front matter
(`diagnostics: [{query: spend_by_model, params: {service: labels.service, ...}}]`).

Parameters: every query takes the window, `since` and `until` (required); label parameters are
text, optional ones meaning "any" when empty, so one query serves an alert grouped by service
and one grouped by model. Comparisons ("the week before") are computed by the SQL from the
window, never by string formatting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from store.base import Store
from store.params import NS_TYPE, hour_param, time_param
from store.queries.gpu_costs import LATEST_RUN
from store.queries.quality import GOOD

MAX_ROWS = 20
MAX_SECONDS = 20  # a diagnostic must not hold up an incident: ClickHouse stops it after this
WINDOW = ("since", "until")
SINCE, UNTIL = f"{{since:{NS_TYPE}}}", f"{{until:{NS_TYPE}}}"
# The label parameters a query may take, and the column of each.
LABEL_COLUMNS = {"project": "project", "service": "service_name", "model": "model", "provider": "provider",
                 "team": "team", "feature": "feature", "user": "user_id", "host": "host_name", "gpu": "gpu_uuid",
                 "score": "name"}


@dataclass(frozen=True)
class Diagnostic:
    """One named query: what it answers, its SQL (ending in ORDER BY), the label parameters it takes."""

    name: str
    title: str
    sql: str
    labels: tuple[str, ...] = ()  # optional: empty matches any value
    required_labels: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return (*WINDOW, *self.required_labels)

    @property
    def parameters(self) -> tuple[str, ...]:
        return (*self.required, *self.labels)


def _match(*labels: str, conditions: Mapping[str, str] | None = None) -> str:
    """`AND (label = '' OR column = label)` for each optional label filter (`conditions` overrides the test)."""
    tests = {label: f"{column} = {{{label}:String}}" for label, column in LABEL_COLUMNS.items()}
    tests.update(conditions or {})
    return "".join(f"\n  AND ({{{label}:String}} = '' OR {tests[label]})" for label in labels)


def _between(column: str, start: str, end: str) -> str:
    return f"{column} >= {start} AND {column} < {end}"


_WEEK_BEFORE = (f"toStartOfHour({SINCE} - INTERVAL 7 DAY)", f"{UNTIL} - INTERVAL 7 DAY")
_MONTH = f"toDateTime(toStartOfMonth({UNTIL}), 'UTC')"
# Cost periods: (now, before, what "before" is called in the column names).
_PERIODS = {
    "window": ((f"toStartOfHour({SINCE})", UNTIL), _WEEK_BEFORE, "week_before"),
    "month": ((_MONTH, UNTIL), (f"{_MONTH} - INTERVAL 1 MONTH", f"{UNTIL} - INTERVAL 1 MONTH"), "month_before"),
}
_SPEND_FILTERS = ("project", "service", "team", "feature")


def _spend_by(name: str, columns: tuple[str, ...], period: str, title: str) -> Diagnostic:
    """Spend of a period against the one before it, by `columns` of `cost_hourly`, biggest rise first: more calls,
    or bigger ones (tokens per call), or a pricier model."""
    (start, end), (b_start, b_end), before = _PERIODS[period]
    now, was = _between("hour", start, end), _between("hour", b_start, b_end)
    group = ", ".join(columns)
    return Diagnostic(name, title, f"""
SELECT {group},
    toDecimal128(sumIf(cost_total, {now}), 12) AS cost_usd,
    toDecimal128(sumIf(cost_total, {was}), 12) AS cost_usd_{before},
    cost_usd - cost_usd_{before} AS change_usd,
    sumIf(calls, {now}) AS calls_now,
    sumIf(calls, {was}) AS calls_{before},
    round(sumIf(input_tokens + output_tokens, {now}) / nullIf(calls_now, 0)) AS tokens_per_call,
    round(sumIf(input_tokens + output_tokens, {was}) / nullIf(calls_{before}, 0)) AS tokens_per_call_{before}
FROM cost_hourly FINAL
WHERE (({now}) OR ({was})){_match(*_SPEND_FILTERS)}
GROUP BY {group}
ORDER BY change_usd DESC, cost_usd DESC, {group}""", _SPEND_FILTERS)


_NOW = f"timestamp >= {SINCE} AND timestamp < {UNTIL}"
_DAY_BEFORE = f"timestamp >= {SINCE} - INTERVAL 1 DAY AND timestamp < {SINCE}"
_CALL_FILTERS = ("project", "service", "provider", "model")
_MODEL = {"model": "{model:String} IN (model, response_model)"}  # the requested or the responded name

COSTS = (
    _spend_by("spend_by_model", ("provider", "model"), "window",
              "Spend by model: the window against the same hours a week earlier"),
    _spend_by("spend_by_feature", ("team", "feature"), "window",
              "Spend by team and feature: the window against the same hours a week earlier"),
    _spend_by("spend_by_service", ("project", "service_name"), "window",
              "Spend by service: the window against the same hours a week earlier"),
    _spend_by("month_spend_by_model", ("provider", "model"), "month",
              "Month-to-date spend by model against the same days of the month before"),
    _spend_by("month_spend_by_feature", ("team", "feature"), "month",
              "Month-to-date spend by team and feature against the same days of the month before"),
    Diagnostic("spend_by_user", "Spend by user: the window against the same hours a week earlier", f"""
SELECT user_id,
    toDecimal128(ifNull(sumIf(cost_total, {_NOW}), 0), 12) AS cost_usd,
    toDecimal128(ifNull(sumIf(cost_total, NOT ({_NOW})), 0), 12) AS cost_usd_week_before,
    cost_usd - cost_usd_week_before AS change_usd,
    countIf({_NOW}) AS calls_now,
    countIf(NOT ({_NOW})) AS calls_week_before
FROM request_costs FINAL
WHERE (({_NOW}) OR (timestamp >= {SINCE} - INTERVAL 7 DAY AND timestamp < {UNTIL} - INTERVAL 7 DAY))
  AND user_id != ''{_match(*_SPEND_FILTERS)}
GROUP BY user_id
ORDER BY change_usd DESC, user_id""", _SPEND_FILTERS),
    Diagnostic("daily_spend", "Spend per day, the last 14 days", f"""
SELECT toDate(hour) AS day, toDecimal128(sum(cost_total), 12) AS cost_usd, sum(calls) AS calls_n,
    sum(unpriced_calls) AS unpriced_calls
FROM cost_hourly FINAL
WHERE hour >= toStartOfDay({UNTIL}) - INTERVAL 13 DAY AND hour < {UNTIL}{_match(*_SPEND_FILTERS)}
GROUP BY day
ORDER BY day DESC""", (*_SPEND_FILTERS,)),
    Diagnostic("unpriced_calls", "Calls stored without a price, by provider, model and reason", f"""
SELECT provider, model, reason, count() AS calls_n, min(timestamp) AS first_call, max(timestamp) AS last_call,
    arrayStringConcat(arraySort(groupUniqArray(5)(service_name)), ', ') AS services
FROM request_costs FINAL
WHERE {_NOW} AND NOT priced{_match(*_CALL_FILTERS)}
GROUP BY provider, model, reason
ORDER BY calls_n DESC, provider, model""", _CALL_FILTERS),
)

_LATENCY = f"({_NOW}) OR ({_DAY_BEFORE})"


def _percentiles(column: str) -> str:
    return f"""round(quantileIf(0.5)({column}, {_NOW}) / 1e6) AS p50_ms,
    round(quantileIf(0.95)({column}, {_NOW}) / 1e6) AS p95_ms,
    round(quantileIf(0.95)({column}, {_DAY_BEFORE}) / 1e6) AS p95_ms_day_before"""


SERVING = (
    Diagnostic("latency_by_provider_host", "Latency by provider, server address (region) and model snapshot: the "
               "window against the day before", f"""
SELECT provider, host_name AS server_address, response_model, countIf({_NOW}) AS calls_now,
    countIf({_NOW} AND status = 'error') AS errors_now,
    {_percentiles('duration_ns')}
FROM llm_calls FINAL
WHERE ({_LATENCY}){_match(*_CALL_FILTERS, conditions=_MODEL)}
GROUP BY provider, server_address, response_model
HAVING calls_now > 0
ORDER BY p95_ms DESC, calls_now DESC""", _CALL_FILTERS),
    Diagnostic("ttft_by_model", "Time to first token of streaming calls by model and server address: the window "
               "against the day before", f"""
SELECT provider, model, response_model, host_name AS server_address, countIf({_NOW}) AS streaming_calls,
    {_percentiles('ttft_ns')}
FROM llm_calls FINAL
WHERE ({_LATENCY}) AND ttft_ns IS NOT NULL{_match(*_CALL_FILTERS, conditions=_MODEL)}
GROUP BY provider, model, response_model, server_address
HAVING streaming_calls > 0
ORDER BY p95_ms DESC, streaming_calls DESC""", _CALL_FILTERS),
    Diagnostic("errors_by_type", "Failed calls by provider, model, error type and server address", f"""
SELECT provider, model, error_type, host_name AS server_address, count() AS errors_n,
    min(timestamp) AS first_error, max(timestamp) AS last_error
FROM llm_calls FINAL
WHERE {_NOW} AND status = 'error'{_match(*_CALL_FILTERS, conditions=_MODEL)}
GROUP BY provider, model, error_type, server_address
ORDER BY errors_n DESC, provider, model""", _CALL_FILTERS),
    Diagnostic("error_budget_by_service", "Error ratio and burn rate of a 99 % objective per service: the window, "
               "and the share of the 30-day error budget spent", f"""
SELECT project, service_name, countIf({_NOW}) AS calls_now, countIf({_NOW} AND status = 'error') AS errors_now,
    round(errors_now / nullIf(calls_now, 0), 4) AS error_ratio,
    round(error_ratio / 0.01, 1) AS burn_rate_at_99,
    round(countIf(status = 'error') / nullIf(count(), 0) / 0.01, 3) AS budget_spent_30d_at_99
FROM llm_calls FINAL
WHERE timestamp >= {UNTIL} - INTERVAL 30 DAY AND timestamp < {UNTIL}{_match("project", "service")}
GROUP BY project, service_name
HAVING calls_now > 0
ORDER BY burn_rate_at_99 DESC, errors_now DESC""", ("project", "service")),
    Diagnostic("calls_by_version", "Calls by service and prompt version: a version first seen near the window is "
               "the first suspect", f"""
SELECT service_name, service_version, prompt_version, model, min(timestamp) AS first_seen,
    countIf({_NOW}) AS calls_now, countIf({_NOW} AND status = 'error') AS errors_now,
    round(quantileIf(0.95)(duration_ns, {_NOW}) / 1e6) AS p95_ms
FROM llm_calls FINAL
WHERE ({_LATENCY}){_match(*_CALL_FILTERS, conditions=_MODEL)}
GROUP BY service_name, service_version, prompt_version, model
ORDER BY first_seen DESC""", _CALL_FILTERS),
)

_MINUTES = f"period >= toStartOfMinute({SINCE}) AND period < {UNTIL}"
_GPU_FILTERS = ("project", "host", "gpu")

GPU = (
    Diagnostic("gpu_utilisation", "Utilisation, memory and power of each GPU in the window", f"""
SELECT host_name, gpu_uuid, any(gpu_model_last) AS gpu_model,
    round(sum(utilization_sum) / nullIf(sum(utilization_count), 0), 3) AS mean_utilization,
    round(quantileTimingMerge(0.95)(utilization_permille_hist) / 1000, 3) AS p95_utilization,
    round(sum(memory_used_sum) / nullIf(sum(memory_used_count), 0) / nullIf(max(memory_total_peak), 0), 3)
        AS mean_memory_used,
    round(max(memory_used_peak) / nullIf(max(memory_total_peak), 0), 3) AS peak_memory_used,
    round(sum(power_sum) / nullIf(sum(power_count), 0)) AS mean_power_w,
    max(last_seen_max) AS last_sample
FROM gpu_samples_1m
WHERE {_MINUTES}{_match(*_GPU_FILTERS)}
GROUP BY host_name, gpu_uuid
ORDER BY host_name, gpu_uuid""", _GPU_FILTERS),
    Diagnostic("gpu_cost_by_host", "GPU cost per host in the window: allocated to calls and idle", f"""
SELECT host_name, max(gpu_count) AS gpus, toDecimal128(ifNull(sum(cost), 0), 12) AS gpu_cost_usd,
    toDecimal128(ifNull(sum(allocated), 0), 12) AS allocated_usd, toDecimal128(ifNull(sum(idle), 0), 12) AS idle_usd,
    round(toFloat64(idle_usd) / nullIf(toFloat64(gpu_cost_usd), 0), 3) AS idle_share, sum(calls) AS calls_n,
    countIf(NOT priced) AS unpriced_hours
FROM gpu_cost_hourly FINAL
WHERE hour >= {{start:DateTime('UTC')}} AND hour < {{end:DateTime('UTC')}} AND {LATEST_RUN}{_match("project", "host")}
GROUP BY host_name
ORDER BY idle_usd DESC, host_name""", ("project", "host")),
    Diagnostic("gpu_host_calls", "Calls served by the host (llm_calls host_name; see gpu.host_map) by service and "
               "model", f"""
SELECT service_name, provider, model, count() AS calls_n, sum(input_tokens) AS input_tokens_n,
    sum(output_tokens) AS output_tokens_n, round(quantile(0.95)(duration_ns) / 1e6) AS p95_ms
FROM llm_calls FINAL
WHERE {_NOW} AND host_name = {{host:String}}{_match("project")}
GROUP BY service_name, provider, model
ORDER BY calls_n DESC, service_name, model""", ("project",), required_labels=("host",)),
)

_SCORES_BEFORE = f"timestamp >= {SINCE} - INTERVAL 7 DAY AND timestamp < {UNTIL} - INTERVAL 7 DAY"
_QUALITY_FILTERS = ("project", "service", "model", "feature", "score")

QUALITY = (
    Diagnostic("drifted_features", "Features of the newest drift comparison of each group, drifted first", f"""
SELECT r.service_name AS service_name, r.model AS model, r.feature AS feature, r.computed_at AS computed_at,
    f.name AS compared, f.method AS method, round(f.score, 4) AS score, f.threshold AS threshold,
    f.drifted AS drifted, round(f.reference_mean, 3) AS reference_mean, round(f.current_mean, 3) AS current_mean,
    round(f.reference_p95, 3) AS reference_p95, round(f.current_p95, 3) AS current_p95
FROM drift_feature_results AS f
INNER JOIN (
    SELECT id, project, service_name, model, feature, computed_at FROM drift_results
    WHERE computed_at >= {SINCE} - INTERVAL 1 DAY AND computed_at < {UNTIL} AND status = 'ok'
        {_match("project", "service", "model", "feature")}
    ORDER BY computed_at DESC LIMIT 1 BY project, service_name, model, feature) AS r ON f.id = r.id
WHERE f.status = 'ok'
ORDER BY drifted DESC, computed_at DESC, service_name, model, feature, compared""",
               ("project", "service", "model", "feature")),
    Diagnostic("quality_by_model", "Quality scores by model, feature and score: the window against the same hours "
               "a week earlier (good: a passing evaluation or positive feedback)", f"""
SELECT model, feature, source, name, countIf({_NOW}) AS scores_now, round(avgIf(value, {_NOW}), 3) AS mean_value,
    round(countIf({_NOW} AND {GOOD}) / nullIf(scores_now, 0), 3) AS good_share,
    countIf({_SCORES_BEFORE}) AS scores_week_before,
    round(countIf({_SCORES_BEFORE} AND {GOOD}) / nullIf(scores_week_before, 0), 3) AS good_share_week_before
FROM quality_scores FINAL
WHERE (({_NOW}) OR ({_SCORES_BEFORE})) AND source IN ('eval', 'feedback'){_match(*_QUALITY_FILTERS)}
GROUP BY model, feature, source, name
HAVING scores_now > 0
ORDER BY ifNull(good_share_week_before - good_share, 0) DESC, scores_now DESC""", _QUALITY_FILTERS),
    Diagnostic("worst_scores", "The lowest evaluations and negative feedback of the window, with their traces", f"""
SELECT timestamp, trace_id, span_id, model, feature, source, name, value, label, left(comment, 200) AS comment
FROM quality_scores FINAL
WHERE {_NOW} AND source IN ('eval', 'feedback') AND NOT {GOOD}{_match(*_QUALITY_FILTERS)}
ORDER BY value ASC NULLS FIRST, timestamp DESC""", _QUALITY_FILTERS),
)

_DAY = f"timestamp >= {SINCE} - INTERVAL 1 DAY AND timestamp < {UNTIL}"


def _signal(name: str, table: str, column: str) -> str:
    return (f"SELECT '{name}' AS signal, ServiceName AS service, max({column}) AS last_seen, "
            f"countIf({column} >= {SINCE}) AS rows_now FROM {table} "
            f"WHERE {column} >= {SINCE} - INTERVAL 1 DAY AND {column} < {UNTIL} GROUP BY service")


INGEST = (
    Diagnostic("ingest_by_service", "Last LLM call received per service, calls in the window and in the same "
               "span a day earlier", f"""
SELECT project, service_name, max(timestamp) AS last_call, max(ingested_at) AS last_ingested,
    countIf({_NOW}) AS calls_now,
    countIf(timestamp >= {SINCE} - INTERVAL 1 DAY AND timestamp < {UNTIL} - INTERVAL 1 DAY) AS calls_day_before
FROM llm_calls FINAL
WHERE {_DAY}{_match("project", "service")}
GROUP BY project, service_name
ORDER BY last_call, project, service_name""", ("project", "service")),
    Diagnostic("ingest_by_gpu_host", "Last GPU sample per host and source (DCGM, agent, OTLP)", f"""
SELECT host_name, any(source_any) AS source, uniqExact(gpu_uuid) AS gpus, max(last_seen_max) AS last_sample,
    uniqExactIf(period, period >= toStartOfMinute({SINCE})) AS minutes_with_samples_now
FROM gpu_samples_1m
WHERE period >= toStartOfMinute({SINCE}) - INTERVAL 1 DAY AND period < {UNTIL}{_match("project", "host")}
GROUP BY host_name, source_rank
ORDER BY last_sample, host_name""", ("project", "host")),
    Diagnostic("ingest_by_signal", "Last OpenTelemetry row per signal and service (Spyglass's own telemetry aside)",
               f"""
SELECT signal, service, max(last_seen) AS last_row, sum(rows_now) AS rows_in_window
FROM ({' UNION ALL '.join(_signal(*s) for s in (
        ('traces', 'otel_traces', 'Timestamp'), ('logs', 'otel_logs', 'Timestamp'),
        ('gauge', 'otel_metrics_gauge', 'TimeUnix'), ('sum', 'otel_metrics_sum', 'TimeUnix'),
        ('histogram', 'otel_metrics_histogram', 'TimeUnix')))})
WHERE service != 'spyglass'{_match("service", conditions={"service": "service = {service:String}"})}
GROUP BY signal, service
ORDER BY last_row, signal, service""", ("service",)),
)

REGISTRY: dict[str, Diagnostic] = {d.name: d for d in (*COSTS, *SERVING, *GPU, *QUALITY, *INGEST)}


def window_params(since: datetime, until: datetime) -> dict[str, Any]:
    """The window as every diagnostic reads it: `since`/`until`, and whole hours for the hourly tables."""
    return {"since": time_param(since), "until": time_param(until), "start": hour_param(since),
            "end": time_param(until, 0)}


def run(store: Store, diagnostic: Diagnostic, params: Mapping[str, Any]) -> pa.Table:
    """The query's rows (at most MAX_ROWS) for `params`: the window (`window_params`), its labels ('' = any) and
    any constants its SQL reads (the quality rules of GOOD)."""
    sql = f"{diagnostic.sql}\nLIMIT {MAX_ROWS}\nSETTINGS max_execution_time = {MAX_SECONDS}"
    return store.query_arrow(sql, dict(params))
