"""The `changes` table (migration 22): what the changes job reads of `llm_calls` to find new values, and
writing and reading changes.

The job never reads calls as rows: each query groups them in the store by the few low-cardinality columns a
change is about (`DIMENSIONS`), so what comes back is one row per distinct value, however many calls there are.
Times of calls travel as integer nanoseconds (`toUnixTimestamp64Nano`), exact, because a detected change's
id is a hash of its first call's time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.params import MS_TYPE, NS_TYPE, time_param

# Per llm_calls row, every (dimension, subject, value) a change can be about. `subject` narrows the key a
# value belongs to: the prompt's name for its version, the requested model for the snapshot that answered.
DIMENSIONS = """[
    ('service_version', '', toString(service_version)),
    ('prompt_version', toString(prompt_name), toString(prompt_version)),
    ('model', '', toString(model)),
    ('response_model', toString(request_model), toString(response_model)),
    ('provider', '', toString(provider))]"""
# A value counts when it is reported; a snapshot only under a requested model it can be compared with.
_REPORTED = "d.3 != '' AND (d.1 != 'response_model' OR d.2 != '')"
_CANDIDATES = "project String, service String, dimension String, subject String, value String, at_ns Int64"
_TIME = pa.timestamp("ns", "UTC")
COLUMNS = pa.schema([
    ("id", pa.string()), ("at", _TIME), ("kind", pa.string()), ("project", pa.string()), ("service", pa.string()),
    ("model", pa.string()), ("dimension", pa.string()), ("subject", pa.string()), ("from_value", pa.string()),
    ("to_value", pa.string()), ("source", pa.string()), ("author", pa.string()), ("description", pa.string()),
    ("link", pa.string()), ("recorded_at", pa.timestamp("ms", "UTC"))])
_SELECT = ("id, toUnixTimestamp64Nano(at) AS at_ns, kind, project, service, model, dimension, subject, from_value, "
           "to_value, source, author, description, link, toUnixTimestamp64Nano(recorded_at) AS recorded_ns")
# The filters `find` takes: column = value.
FILTERS = ("project", "service", "kind", "source", "model")


def values_ingested(store: Store, after: datetime, mark: datetime, until: datetime) -> list[dict[str, Any]]:
    """Each (project, service, dimension, subject, value) of the calls ingested in (mark, until]: the time of
    its first such call (`first_ns`), and what the calls ingested in (after, mark] (which earlier runs saw)
    say of it: how many (`old_calls`) and their first and last times (`old_min_ns`, `old_max_ns`).

    One grouped read of the window (the `ingested_at` index prunes it); no FINAL: a duplicate span changes
    no value and no first time.
    """
    window = {"after": time_param(after, 3), "mark": time_param(mark, 3), "until": time_param(until, 3)}
    return query_rows(store, f"""
SELECT project, service_name AS service, d.1 AS dimension, d.2 AS subject, d.3 AS value,
    toUnixTimestamp64Nano(minIf(timestamp, ingested_at > {{mark:{MS_TYPE}}})) AS first_ns,
    countIf(ingested_at <= {{mark:{MS_TYPE}}}) AS old_calls,
    toUnixTimestamp64Nano(minIf(timestamp, ingested_at <= {{mark:{MS_TYPE}}})) AS old_min_ns,
    toUnixTimestamp64Nano(maxIf(timestamp, ingested_at <= {{mark:{MS_TYPE}}})) AS old_max_ns
FROM llm_calls
ARRAY JOIN {DIMENSIONS} AS d
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}} AND {_REPORTED}
GROUP BY project, service, dimension, subject, value
HAVING countIf(ingested_at > {{mark:{MS_TYPE}}}) > 0""", window)


def values_before(store: Store, candidates: Sequence[dict[str, Any]], span_ns: int, recent_ns: int
                  ) -> list[dict[str, Any]]:
    """For each candidate (project, service, dimension, subject, value, at_ns): every value its key had in the
    `span_ns` before `at_ns`, with its calls in the last `recent_ns` of that (`recent_calls`) and its last
    time (`last_ns`). The candidate's own value among them means it is not new.

    Reads only the candidates' services over the widest span (the key's order starts with project and
    service), and groups there: one row per candidate and value.
    """
    lines = "\n".join(json.dumps({"project": c["project"], "service": c["service"], "dimension": c["dimension"],
                                  "subject": c["subject"], "value": c["value"], "at_ns": c["at_ns"]})
                      for c in candidates)
    lo = min(c["at_ns"] for c in candidates) - span_ns
    hi = max(c["at_ns"] for c in candidates)
    return query_rows(store, f"""
WITH candidates AS (SELECT * FROM format(JSONEachRow, '{_CANDIDATES}', {{candidates:String}}))
SELECT c.project AS project, c.service AS service, c.dimension AS dimension, c.subject AS subject,
    c.value AS candidate, c.at_ns AS at_ns, k.value AS value,
    countIf(k.ns >= c.at_ns - {{recent:Int64}}) AS recent_calls, max(k.ns) AS last_ns
FROM (
    SELECT project, service_name AS service, d.1 AS dimension, d.2 AS subject, d.3 AS value,
        toUnixTimestamp64Nano(timestamp) AS ns
    FROM llm_calls
    ARRAY JOIN {DIMENSIONS} AS d
    WHERE timestamp >= fromUnixTimestamp64Nano({{lo:Int64}}, 'UTC')
      AND timestamp < fromUnixTimestamp64Nano({{hi:Int64}}, 'UTC')
      AND (project, service_name) IN (SELECT project, service FROM candidates)
      AND d.1 IN (SELECT dimension FROM candidates) AND {_REPORTED}) AS k
INNER JOIN candidates AS c
    ON k.project = c.project AND k.service = c.service AND k.dimension = c.dimension AND k.subject = c.subject
WHERE k.ns < c.at_ns AND k.ns >= c.at_ns - {{span:Int64}}
GROUP BY project, service, dimension, subject, candidate, at_ns, value""",
                      {"candidates": lines, "lo": lo, "hi": hi, "span": span_ns, "recent": recent_ns})


def detected(store: Store, to_values: Sequence[str]) -> list[dict[str, Any]]:
    """The detected changes to any of `to_values`, oldest first."""
    return query_rows(store, f"""
SELECT {_SELECT} FROM changes FINAL WHERE source = 'detected' AND to_value IN {{values:Array(String)}}
ORDER BY at, id""", {"values": list(to_values)})


def latest_detected(store: Store, kind: str) -> dict[str, Any] | None:
    """The newest detected change of `kind` (None when there is none)."""
    rows = query_rows(store, f"""
SELECT {_SELECT} FROM changes FINAL WHERE source = 'detected' AND kind = {{kind:String}}
ORDER BY at DESC, id DESC LIMIT 1""", {"kind": kind})
    return rows[0] if rows else None


def insert(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Write changes (rows keyed like `COLUMNS`; `at` in integer nanoseconds, `recorded_at` a datetime)."""
    if rows:
        store.insert_arrow("changes", pa.Table.from_pylist(list(rows), schema=COLUMNS))


def change(store: Store, change_id: str) -> dict[str, Any] | None:
    rows = query_rows(store, f"SELECT {_SELECT} FROM changes FINAL WHERE id = {{id:String}}", {"id": change_id})
    return rows[0] if rows else None


def find(store: Store, since: datetime, until: datetime, filters: dict[str, str], limit: int,
         projects: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Changes at or after `since` and before `until` matching every filter (`FILTERS`), of `projects` (empty:
    all), newest first."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"not a change filter: {sorted(unknown)}")
    where = "".join(f" AND {name} = {{{name}:String}}" for name in filters)
    where += " AND project IN {projects:Array(String)}" if projects else ""
    return query_rows(store, f"""
SELECT {_SELECT} FROM changes FINAL
WHERE at >= {{since:{NS_TYPE}}} AND at < {{until:{NS_TYPE}}}{where}
ORDER BY at DESC, id LIMIT {{limit:UInt64}}""",
                      {"since": time_param(since), "until": time_param(until), "limit": limit, **filters,
                       "projects": list(projects)})
