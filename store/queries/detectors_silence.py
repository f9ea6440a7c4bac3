"""What the `no_data` detector reads: how much arrived per minute, per service, per GPU host and source,
and for the whole ingest.

Presence, not accounting: counts read without FINAL (a span delivered twice still says the
service is alive), GPU hosts from the minute rollup. The whole ingest is every OpenTelemetry
table except Spyglass's own metrics (service `spyglass`, written by the service itself, which
would keep a dead ingest looking alive). Every row's `time` is the end of its minute, and
every frame has the same columns: subject, project, service, host, source, rows.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from store.base import Store, query_df
from store.params import NS_TYPE, S_TYPE, time_param
from store.tables import GPU_MINUTES

SELF_SERVICE = "spyglass"
_MINUTE_END = "toDateTime64(toStartOfMinute({}) + toIntervalMinute(1), 6, 'UTC') AS time"
_OTEL = (("otel_traces", "Timestamp"), ("otel_logs", "Timestamp"), ("otel_metrics_gauge", "TimeUnix"),
         ("otel_metrics_sum", "TimeUnix"), ("otel_metrics_histogram", "TimeUnix"),
         ("otel_metrics_exponential_histogram", "TimeUnix"), ("otel_metrics_summary", "TimeUnix"))


def _range(since: datetime, until: datetime, digits: int = 6) -> dict[str, str]:
    return {"since": time_param(since, digits), "until": time_param(until, digits)}


def service_minutes(store: Store, since: datetime, until: datetime) -> pl.DataFrame:
    """LLM calls per minute, project and service in [since, until)."""
    return query_df(store, f"""
SELECT {_MINUTE_END.format("timestamp")}, 'service' AS subject, toString(project) AS project,
    toString(service_name) AS service, '' AS host, '' AS source, count() AS rows
FROM llm_calls
WHERE timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}
GROUP BY time, project, service
ORDER BY time""", _range(since, until))


def gpu_host_minutes(store: Store, since: datetime, until: datetime) -> pl.DataFrame:
    """GPU samples per minute, project, host and source in [since, until) (whole minutes)."""
    return query_df(store, f"""
SELECT {_MINUTE_END.format("period")}, 'gpu_host' AS subject, toString(project) AS project, '' AS service,
    toString(host_name) AS host, toString(any(source_any)) AS source, sum(sample_count) AS rows
FROM {GPU_MINUTES}
WHERE period >= {{since:{S_TYPE}}} AND period < {{until:{S_TYPE}}}
GROUP BY time, project, host, source_rank
ORDER BY time""", _range(since, until, 0))


def ingest_minutes(store: Store, since: datetime, until: datetime) -> pl.DataFrame:
    """Rows of every OpenTelemetry table (Spyglass's own aside) per minute in [since, until)."""
    parts = "\nUNION ALL\n".join(
        f"SELECT toStartOfMinute({column}) AS minute, count() AS n FROM {table} "
        f"WHERE {column} >= {{since:{NS_TYPE}}} AND {column} < {{until:{NS_TYPE}}} "
        f"AND ServiceName != {{self:String}} GROUP BY minute" for table, column in _OTEL)
    return query_df(store, f"""
SELECT {_MINUTE_END.format("minute")}, 'ingest' AS subject, '' AS project, '' AS service, '' AS host, '' AS source,
    sum(n) AS rows
FROM ({parts})
GROUP BY time
ORDER BY time""", {**_range(since, until), "self": SELF_SERVICE})
