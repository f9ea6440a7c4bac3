"""Tables of the Settings page, as pure functions of the API's configuration answers.

Everything here is read-only and secret-free by the API's construction (GET /api/v1/settings names receivers'
hosts, never their URLs or keys; counts keys, never shows them); these functions only lay it out for people.
"""

from __future__ import annotations

from typing import Any

from client.models.alerts import Rules
from client.models.settings import ServiceSettings
from client.models.storage import Storage
from dashboard.format import MISSING, count, timestamp

_SECONDS = ((86400, "d"), (3600, "h"), (60, "min"))
_BYTES = ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))


def every(seconds: float) -> str:
    """An interval as people read it: 30 -> '30 s', 600 -> '10 min', 3600 -> '1 h', 0.5 -> '0.5 s'."""
    for size, unit in _SECONDS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size:.0f} {unit}"
    return f"{seconds:g} s"


def receiver_rows(view: ServiceSettings) -> list[dict[str, Any]]:
    return [{"receiver": r.name, "type": r.type, "sends to": r.target or MISSING,
             "resolved too": "yes" if r.send_resolved else "no",
             "secrets (set, not shown)": ", ".join(r.secrets) or MISSING} for r in view.receivers]


def key_rows(view: ServiceSettings) -> list[dict[str, Any]]:
    """Per role: how many keys, and what configuring none means."""
    keys, any_key = view.keys, bool(view.keys.read or view.keys.ingest or view.keys.admin)
    return [
        {"role": "ingest", "keys": keys.ingest, "setting": "ingest_keys",
         "when none": "telemetry is accepted without a key",
         "note": f"projects: {', '.join(keys.ingest_projects)}" if keys.ingest_projects else MISSING},
        {"role": "read", "keys": keys.read, "setting": "read_keys", "when none": "reads are open",
         "note": "the dashboard reads with the first one" if keys.read else MISSING},
        {"role": "admin", "keys": keys.admin, "setting": "admin_keys",
         "when none": "routes that change state are " + ("closed (other keys exist)" if any_key else "open"),
         "note": "silences, replays, reprice, incidents, this configuration"},
    ]


def store_rows(view: ServiceSettings) -> list[dict[str, Any]]:
    """Where the data lives and what this process serves, as (setting, value) rows."""
    store = view.store
    where = (f"ClickHouse server {store.server}" + (f", cluster {store.cluster}" if store.cluster else "")
             if store.backend == "clickhouse" else f"embedded (chDB) in {store.data_dir}")
    rows = [("store", where), ("database", store.database), ("roles", ", ".join(view.roles)),
            ("bind address", view.host), *((f"{name.replace('_', '/')} port", str(port))
                                           for name, port in view.ports.items()),
            ("content captured for projects", ", ".join(view.content_capture_projects) or "none"),
            ("drift reports", f"{view.drift_reports_dir} (kept {view.drift_report_retention_days:g} days)")]
    return [{"setting": name, "value": value} for name, value in rows]


def job_rows(view: ServiceSettings) -> list[dict[str, Any]]:
    """Each scheduled job: its interval, and its runs when this process schedules."""
    return [{"job": j.name, "every": every(j.interval_seconds),
             "runs": count(j.runs) if j.runs is not None else MISSING,
             "failures": count(j.failures) if j.failures is not None else MISSING,
             "last run (UTC)": timestamp(j.last_run)} for j in view.jobs]


def rule_rows(rules: Rules) -> list[dict[str, Any]]:
    """Each alert rule in force: what it watches, how long it must hold, where it is written, how it last went."""
    def last(health: Any) -> str:
        if health is None:
            return "not evaluated yet"
        return f"error: {health.error}" if health.error else f"{health.instances} active"

    return [{"rule": r.name, "severity": r.severity, "kind": r.kind, "for": every(r.for_seconds) if r.for_seconds
             else "at once", "runbook": r.runbook or MISSING, "file": f"{r.file}:{r.line}",
             "last evaluation": last(r.last_evaluation)} for r in rules.rules]


def data_size(size: int) -> str:
    """Bytes as people read a disk: 512 -> '512 B', 1536 -> '1.5 KiB', 3 * 2**30 -> '3 GiB'."""
    for unit_size, unit in _BYTES:
        if size >= unit_size:
            return f"{size / unit_size:.3g} {unit}"
    return f"{size} B"


def kept(days: int | None, ttl: str | None) -> str:
    """The retention in force as people read it: '30 days', 'forever', or the TTL itself when it is not in days."""
    if days is not None:
        return f"{days:,} days"
    return ttl or "forever"


def storage_rows(body: Storage) -> list[dict[str, Any]]:
    """Each table that holds rows, largest first: its family, rows, bytes on disk and raw, its time range, and how
    long it is kept."""
    return [{"table": t.table, "retention family": t.family or MISSING, "rows": count(t.rows),
             "on disk": data_size(t.compressed_bytes), "uncompressed": data_size(t.uncompressed_bytes),
             "oldest (UTC)": timestamp(t.oldest), "newest (UTC)": timestamp(t.newest),
             "kept": kept(t.retention_days, t.ttl)} for t in body.tables if t.rows]
