"""Reading and writing the alert engine's tables (migration 16): instance states, transitions, the
notification log and rule health. Rows are plain dicts keyed by column; alerts/persistence.py turns
them into the engine's types.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from store.base import Store
from store.params import NS_TYPE, time_param

_TIME = pa.timestamp("ns", "UTC")
_MAP = pa.map_(pa.string(), pa.string())

STATES = pa.schema([
    ("rule", pa.string()), ("fingerprint", pa.string()), ("labels", _MAP), ("status", pa.string()),
    ("severity", pa.string()), ("active_since", _TIME), ("firing_since", _TIME), ("last_active_at", _TIME),
    ("keep_firing_since", _TIME), ("resolved_at", _TIME), ("value", pa.float64()), ("threshold", pa.float64()), ("annotations", _MAP),
    ("evidence", pa.string()), ("runbook", pa.string()), ("updated_at", _TIME)])
EVENTS = pa.schema([
    ("at", _TIME), ("rule", pa.string()), ("fingerprint", pa.string()), ("labels", _MAP), ("severity", pa.string()),
    ("from_status", pa.string()), ("to_status", pa.string()), ("value", pa.float64()), ("annotations", _MAP)])
GROUPS = pa.schema([
    ("receiver", pa.string()), ("group_key", pa.string()), ("group_labels", _MAP), ("opened_at", _TIME),
    ("flushed_at", _TIME), ("notified_at", _TIME), ("firing", pa.list_(pa.string())),
    ("resolved", pa.list_(pa.string())), ("sequence", pa.uint64()), ("updated_at", _TIME)])
RULE_HEALTH = pa.schema([
    ("rule", pa.string()), ("evaluated_at", _TIME), ("seconds", pa.float64()), ("instances", pa.uint32()),
    ("error", pa.string()), ("rules_version", pa.string())])

MAP_COLUMNS = ("labels", "annotations", "group_labels")


def _table(schema: pa.Schema, rows: Sequence[dict[str, Any]]) -> pa.Table:
    columns = {}
    for f in schema:
        values = [row[f.name] for row in rows]
        if f.name in MAP_COLUMNS:
            values = [sorted(v.items()) for v in values]
        columns[f.name] = pa.array(values, f.type)
    return pa.table(columns, schema=schema)


def _insert(store: Store, table: str, schema: pa.Schema, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        store.insert_arrow(table, _table(schema, rows))


def rows_of(table: pa.Table) -> list[dict[str, Any]]:
    """Rows as dicts with plain datetimes (nanosecond columns read to the microsecond) and maps as dicts."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.unit == "ns":
            # truncated, not refused: a detected change is dated to its first call's nanosecond
            table = table.set_column(i, f.name, table.column(i).cast(pa.timestamp("us", "UTC"), safe=False))
    rows = table.to_pylist()
    for row in rows:
        for name in MAP_COLUMNS:
            if name in row:
                row[name] = dict(row[name] or [])
    return rows


def write_states(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    _insert(store, "alert_states", STATES, rows)


def append_events(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    _insert(store, "alert_events", EVENTS, rows)


def write_groups(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    _insert(store, "alert_groups", GROUPS, rows)


def write_rule_health(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    _insert(store, "alert_rule_health", RULE_HEALTH, rows)


def current_states(store: Store) -> list[dict[str, Any]]:
    """Every instance that is not inactive: pending, firing, or resolved and not yet forgotten."""
    return rows_of(store.query_arrow("""
SELECT * FROM alert_states FINAL WHERE status != 'inactive' ORDER BY rule, fingerprint"""))


def open_groups(store: Store) -> list[dict[str, Any]]:
    """The notification log: every (receiver, group key) ever notified or open now."""
    return rows_of(store.query_arrow("SELECT * FROM alert_groups FINAL ORDER BY receiver, group_key"))


def rule_health(store: Store) -> list[dict[str, Any]]:
    return rows_of(store.query_arrow("SELECT * FROM alert_rule_health FINAL ORDER BY rule"))


def events(store: Store, since: datetime, until: datetime, rule: str | None = None,
           fingerprint: str | None = None, limit: int = 1000, projects: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Transitions in [since, until), newest first, optionally of one rule or one instance, or of alerts whose
    `project` label is one of `projects`."""
    clauses = [f"at >= {{since:{NS_TYPE}}}", f"at < {{until:{NS_TYPE}}}"]
    params: dict[str, Any] = {"since": time_param(since), "until": time_param(until), "limit": limit}
    if rule is not None:
        clauses.append("rule = {rule:String}")
        params["rule"] = rule
    if fingerprint is not None:
        clauses.append("fingerprint = {fingerprint:String}")
        params["fingerprint"] = fingerprint
    if projects:
        clauses.append("labels['project'] IN {projects:Array(String)}")
        params["projects"] = list(projects)
    return rows_of(store.query_arrow(f"""
SELECT * FROM alert_events WHERE {' AND '.join(clauses)}
ORDER BY at DESC, rule, fingerprint LIMIT {{limit:UInt32}}""", params))
