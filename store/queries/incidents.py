"""Reading and writing incidents and their timeline (migration 21). Rows are dicts keyed by column;
alerts/incidents/book.py turns them into the incident types.

An incident's state is its newest row (FINAL); the timeline keeps one row per event id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.params import NS_TYPE, time_param
from store.queries.alerts import rows_of

_TIME = pa.timestamp("ns", "UTC")
INCIDENTS = pa.schema([
    ("number", pa.uint64()), ("id", pa.string()), ("title", pa.string()), ("severity", pa.string()),
    ("status", pa.string()), ("source", pa.string()), ("commander", pa.string()), ("opened_by", pa.string()),
    ("group_key", pa.string()), ("labels", pa.map_(pa.string(), pa.string())), ("service", pa.string()),
    ("started_at", _TIME), ("detected_at", _TIME), ("acknowledged_at", _TIME), ("mitigated_at", _TIME),
    ("resolved_at", _TIME), ("closed_at", _TIME), ("runbook_id", pa.string()), ("runbook_version", pa.string()),
    ("runbook_sha256", pa.string()), ("checked_steps", pa.list_(pa.uint32())), ("impact", pa.string()),
    ("postmortem", pa.string()), ("updated_at", _TIME)])
EVENTS = pa.schema([
    ("id", pa.string()), ("incident", pa.string()), ("at", _TIME), ("kind", pa.string()), ("actor", pa.string()),
    ("episode", pa.string()), ("payload", pa.string())])
OPEN = ("triggered", "acknowledged", "mitigated")


def write_incident(store: Store, row: dict[str, Any]) -> None:
    """A new version of an incident's row."""
    store.insert_arrow("incidents", pa.Table.from_pylist([{**row, "labels": sorted(row["labels"].items())}],
                                                         schema=INCIDENTS))


def append_events(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        store.insert_arrow("incident_events", pa.Table.from_pylist(list(rows), schema=EVENTS))


def next_number(store: Store) -> int:
    return int(query_rows(store, "SELECT max(number) + 1 AS n FROM incidents")[0]["n"] or 1)


def incident(store: Store, number: int) -> dict[str, Any] | None:
    rows = rows_of(store.query_arrow("SELECT * FROM incidents FINAL WHERE number = {n:UInt64}", {"n": number}))
    return rows[0] if rows else None


def incidents(store: Store, statuses: Sequence[str] = (), severities: Sequence[str] = (), service: str | None = None,
              since: datetime | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Incidents newest first, filtered by any of status, severity, service and detection time (>= since)."""
    where, params = ["1"], dict[str, Any](limit=limit)
    if statuses:
        where.append("status IN {statuses:Array(String)}")
        params["statuses"] = list(statuses)
    if severities:
        where.append("severity IN {severities:Array(String)}")
        params["severities"] = list(severities)
    if service is not None:
        where.append("service = {service:String}")
        params["service"] = service
    if since is not None:
        where.append(f"detected_at >= {{since:{NS_TYPE}}}")
        params["since"] = time_param(since)
    return rows_of(store.query_arrow(f"""
SELECT * FROM incidents FINAL WHERE {' AND '.join(where)} ORDER BY number DESC LIMIT {{limit:UInt32}}""", params))


def open_for_groups(store: Store, group_keys: Sequence[str]) -> list[dict[str, Any]]:
    """The open incidents (triggered, acknowledged, mitigated) of these alert groups, oldest first."""
    return rows_of(store.query_arrow("""
SELECT * FROM incidents FINAL WHERE group_key IN {keys:Array(String)} AND status IN {open:Array(String)}
ORDER BY number""", {"keys": list(group_keys), "open": list(OPEN)}))


def events(store: Store, incident_id: str) -> list[dict[str, Any]]:
    """An incident's timeline, oldest first, one row per event id."""
    return rows_of(store.query_arrow("""
SELECT * FROM incident_events WHERE incident = {incident:String}
ORDER BY at, id LIMIT 1 BY id""", {"incident": incident_id}))


def episodes(store: Store, episodes: Sequence[str]) -> list[dict[str, Any]]:
    """The alert events (fired, resolved) written for these alert episodes, with their incident."""
    return query_rows(store, """
SELECT DISTINCT incident, episode, kind FROM incident_events
WHERE episode IN {episodes:Array(String)} AND kind IN ('alert_fired', 'alert_resolved')""",
                      {"episodes": list(episodes)})
