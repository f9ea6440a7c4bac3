"""The drift job: compare the current window with the reference window for every group, store the results.

A group is one (project, service, model, feature) with calls in either window; feature ''
stands for calls that set none. Per group:
1. both windows' sizes come from one hourly count query (the strata);
2. if either window has fewer than `min_rows` calls: an insufficient_data result, no verdict;
3. else a time-stratified sample of each window (`store.queries.drift`: at most `quota` calls
   per hour, where `quota` is the water level that gives about `sample_rows` calls in all),
   with the calls' quality scores and content lengths;
4. Evidently compares the samples (`pipelines.drift.compare`), the HTML report is written to
   `<reports_dir>/<id>.html`, and one result row plus one row per feature are stored.
Reports older than `report_retention` are deleted at the end of each run.

The job keeps no watermark: each run is a fresh comparison of windows that end at `now`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from pipelines.drift.compare import Comparison, Thresholds, compare
from pipelines.drift.frames import aligned, features_of, window_frame
from store.base import Store
from store.queries import drift as q

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriftConfig:
    """The job's settings (see spyglass/config/drift.py for their meaning and defaults)."""

    current_window: timedelta = timedelta(hours=24)
    reference_window: timedelta = timedelta(days=7)
    reference_since: datetime | None = None
    reference_until: datetime | None = None
    min_rows: int = 200
    sample_rows: int = 10_000
    seed: int = 0
    thresholds: Thresholds = Thresholds()
    report_retention: timedelta = timedelta(days=30)

    def windows(self, now: datetime) -> tuple[q.Window, q.Window]:
        """(current, reference): the pinned reference period if set, else the span just before current."""
        current = q.Window(now - self.current_window, now)
        if self.reference_since and self.reference_until:
            return current, q.Window(self.reference_since, self.reference_until)
        return current, q.Window(current.since - self.reference_window, current.since)


@dataclass(frozen=True)
class DriftJobResult:
    """What one run did (the scheduler's last_result for the job)."""

    run_id: str
    groups: int
    drifted: int
    not_drifted: int
    insufficient_data: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stratum_quota(hour_counts: list[int], target: int) -> int:
    """The per-hour cap L with sum(min(count, L)) closest to `target` from below (water filling).

    Every hour contributes equally up to L; hours with fewer calls contribute all of theirs.
    At least 1, so a window always yields something to sample.
    """
    counts = sorted(c for c in hour_counts if c > 0)
    remaining, hours = target, len(counts)
    for count in counts:
        if count * hours > remaining:
            return max(remaining // hours, 1)
        remaining -= count
        hours -= 1
    return max(counts[-1] if counts else 1, 1)


def run_drift_job(store: Store, config: DriftConfig, now: datetime, reports_dir: Path,
                  should_stop: Callable[[], bool] = lambda: False) -> DriftJobResult:
    """Compare every group's current window with its reference window; store results and reports.

    `should_stop` is asked between groups: a shutdown stores the comparisons made so far (each is
    whole) and ends the run; the next run compares every group again."""
    started, run_id = time.monotonic(), uuid.uuid4().hex
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    current, reference = config.windows(now)
    counts = q.hourly_counts(store, current, reference)
    results, features = [], []
    for keys, hours in counts.group_by(["project", "service_name", "model", "feature"], maintain_order=True):
        if should_stop():
            break
        group = q.Group(*(str(k) for k in keys))
        result, feature_rows = compare_group(store, config, group, hours, current, reference, run_id, reports_dir)
        results.append(result)
        features.extend(feature_rows)
    q.insert_results(store, _table(results, q.RESULT_COLUMNS), _table(features, q.FEATURE_COLUMNS))
    prune_reports(reports_dir, now - config.report_retention)
    verdicts = [r["drifted"] for r in results]
    outcome = DriftJobResult(run_id, len(results), verdicts.count(True), verdicts.count(False),
                             verdicts.count(None), round(time.monotonic() - started, 3))
    if outcome.groups:  # the log is for people: a line when something was compared
        log.info("drift job run_id=%s groups=%d drifted=%d insufficient=%d seconds=%.2f", run_id, outcome.groups,
                 outcome.drifted, outcome.insufficient_data, outcome.seconds)
    return outcome


def compare_group(store: Store, config: DriftConfig, group: q.Group, hours: pl.DataFrame, current: q.Window,
                  reference: q.Window, run_id: str,
                  reports_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One group's result row and feature rows (and its report file when it was compared)."""
    started, result_id = time.monotonic(), uuid.uuid4().hex
    rows = {"current": int(hours["current_rows"].sum()), "reference": int(hours["reference_rows"].sum())}
    row: dict[str, Any] = {
        "id": result_id, "run_id": run_id, "computed_at": datetime.now(timezone.utc), "project": group.project,
        "service_name": group.service_name, "model": group.model, "feature": group.feature,
        "reference_since": reference.since, "reference_until": reference.until, "current_since": current.since,
        "current_until": current.until, "reference_rows": rows["reference"], "current_rows": rows["current"],
        "reference_sample": 0, "current_sample": 0, "status": "insufficient_data", "drifted": None,
        "drifted_features": 0, "compared_features": 0, "drift_share": None,
        "drift_share_threshold": config.thresholds.drift_share, "report_file": "", "seconds": 0.0}
    if min(rows.values()) < config.min_rows:
        row["seconds"] = round(time.monotonic() - started, 3)
        return row, []
    frames = {name: _window_sample(store, config, group, window, hours[f"{name}_rows"].to_list())
              for name, window in (("current", current), ("reference", reference))}
    features = features_of(frames["reference"], frames["current"])
    comparison = compare(aligned(frames["reference"], features), aligned(frames["current"], features), features,
                         config.thresholds)
    if comparison.snapshot is not None:
        reports_dir.mkdir(parents=True, exist_ok=True)
        comparison.snapshot.save_html(str(reports_dir / f"{result_id}.html"))
        row["report_file"] = f"{result_id}.html"
    row.update(reference_sample=frames["reference"].height, current_sample=frames["current"].height,
               status=comparison.status,
               drifted=comparison.drifted, drifted_features=comparison.drifted_features,
               compared_features=comparison.compared_features, drift_share=comparison.share,
               seconds=round(time.monotonic() - started, 3))
    return row, _feature_rows(result_id, row["computed_at"], comparison)


def prune_reports(reports_dir: Path, older_than: datetime) -> int:
    """Delete reports written before `older_than` (they are ~4 MB each); their results stay, and the
    API answers 404 for their report. Returns how many were deleted."""
    cutoff, deleted = older_than.timestamp(), 0
    for path in reports_dir.glob("*.html") if reports_dir.is_dir() else ():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _window_sample(store: Store, config: DriftConfig, group: q.Group, window: q.Window,
                   hour_counts: list[int]) -> pl.DataFrame:
    quota = stratum_quota(hour_counts, config.sample_rows)
    calls = q.sample_calls(store, group, window, quota, config.seed)
    scores = (q.sample_scores(store, group, window, quota, config.seed) if q.has_scores(store, group, window)
              else pl.DataFrame())
    content = (q.sample_content(store, group, window, quota, config.seed) if q.has_content(store, group, window)
               else pl.DataFrame())
    return window_frame(calls, scores, content)


def _feature_rows(result_id: str, computed_at: datetime, comparison: Comparison) -> list[dict[str, Any]]:
    rows = []
    for f in comparison.features:
        rows.append({"id": result_id, "computed_at": computed_at, "name": f.name, "kind": f.kind,
                     "status": f.status, "method": f.method, "score": f.score, "threshold": f.threshold,
                     "direction": f.direction, "drifted": f.drifted, **asdict(f.stats)})
    return rows


_TYPES: dict[str, pa.DataType] = {
    "computed_at": pa.timestamp("ms", "UTC"), "reference_since": pa.timestamp("ms", "UTC"),
    "reference_until": pa.timestamp("ms", "UTC"), "current_since": pa.timestamp("ms", "UTC"),
    "current_until": pa.timestamp("ms", "UTC"), "drifted": pa.bool_(), "drift_share": pa.float64(),
    "score": pa.float64(), "threshold": pa.float64(), "seconds": pa.float64(), "drift_share_threshold": pa.float64(),
    "reference_mean": pa.float64(), "current_mean": pa.float64(), "reference_p50": pa.float64(),
    "current_p50": pa.float64(), "reference_p95": pa.float64(), "current_p95": pa.float64(),
    "bins": pa.list_(pa.string()), "reference_counts": pa.list_(pa.uint64()), "current_counts": pa.list_(pa.uint64()),
    "reference_rows": pa.uint64(), "current_rows": pa.uint64(), "reference_sample": pa.uint64(),
    "current_sample": pa.uint64(), "reference_values": pa.uint64(), "current_values": pa.uint64(),
    "drifted_features": pa.uint32(), "compared_features": pa.uint32(),
}


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pa.Table:
    """Rows as an Arrow table with the store's column types (strings unless listed)."""
    schema = pa.schema([(name, _TYPES.get(name, pa.string())) for name in columns])
    return pa.Table.from_pylist([{name: row[name] for name in columns} for row in rows], schema=schema)
