"""The changes job: record the first call of every new service version, prompt version, model, snapshot and
provider, and every new price catalog version, into `changes` (what is new: releases/detect.py).

Incremental by a watermark on `llm_calls.ingested_at` (pipelines/incremental.py). A call is read as new once,
`delay` (30 s) after its ingestion time, so that an insert still committing is not passed by; calls ingested
in the look-back before the watermark are read again as evidence only (their values were judged by the run
that read them as new). A commit slower than the delay would be judged as evidence only: a new value whose
only first calls were in it would not be recorded, which is why the delay is generous (changes are not urgent;
their time is their first call's, whenever they are recorded). It stays cheap however large `llm_calls` is,
because it never reads calls as rows:
1. the calls ingested since the watermark, grouped in the store by value (one row per distinct value);
2. a value that the look-back's calls already show within `detect_lookback` before its first new call is not
   new, with nothing more to read (the steady state: every value that keeps serving);
3. the store is asked about the others only, first over the hour before their first call, then, for those
   still unseen, over the whole `detect_lookback` (reading only their services).
A change's id is a hash of what changed and when (releases/change.py), and a change already recorded is not
written again (nor a later one for a late span of it), so a rerun, a restart or a late span records nothing new.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from pipelines.costs.catalog import Catalog
from pipelines.incremental import next_window, utc
from releases.change import Change, nanoseconds
from releases.detect import (
    RECENT_NS,
    Before,
    Candidate,
    already_recorded,
    detected_change,
    is_new,
    price_change,
    replaced,
    seen_in_window,
)
from store.base import Store
from store.queries import changes as q
from store.queries import watermarks

log = logging.getLogger(__name__)

JOB_NAME = "changes"


@dataclass(frozen=True)
class ChangesConfig:
    """`lookback`: how long a value must have been absent for its return to count as new; `delay`: how long
    after its ingestion a call is read (see the module); `ingest_lookback`: how far back in ingestion each run
    reads again, as evidence of values seen; `batch_limit`: new calls per run at most."""

    lookback: timedelta = timedelta(days=7)
    delay: timedelta = timedelta(seconds=30)
    ingest_lookback: timedelta = timedelta(minutes=10)
    batch_limit: int | None = 1_000_000


@dataclass(frozen=True)
class ChangesResult:
    """What one run did (the scheduler's last_result)."""

    values: int  # distinct values in the calls ingested since the watermark
    asked: int  # of those, how many the store was asked about
    recorded: dict[str, int] = field(default_factory=dict)  # changes written, by kind
    watermark: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def run_changes_job(store: Store, catalog: Catalog, now: datetime, config: ChangesConfig = ChangesConfig()
                    ) -> ChangesResult:
    """Record the changes the calls ingested since the watermark show, and a new catalog version; advance."""
    now, lookback = utc(now), config.lookback // timedelta(microseconds=1) * 1000
    latest = q.latest_detected(store, "price")
    found = [price_change(Change.from_row(latest) if latest else None, catalog.version, nanoseconds(now))]
    window = next_window(store, JOB_NAME, now, config.ingest_lookback, config.batch_limit, config.delay)
    candidates: list[Candidate] = []
    if window is not None:
        candidates = [Candidate(**row) for row in q.values_ingested(store, window.start, window.watermark, window.end)]
    unseen = [c for c in candidates if not seen_in_window(c, lookback)]
    found += _new_values(store, unseen, lookback)
    written = _record(store, [c for c in found if c is not None], lookback, now)
    mark = window.end if window is not None else watermarks.watermark(store, JOB_NAME)
    if window is not None:
        watermarks.set_watermark(store, JOB_NAME, window.end, now)
    kinds = dict(Counter(c.kind for c in written))
    if written:  # the log is for people: a line when something changed
        log.info("changes job values=%d asked=%d recorded=%s", len(candidates), len(unseen), kinds)
    return ChangesResult(len(candidates), len(unseen), kinds, utc(mark).isoformat() if mark else "")


def _new_values(store: Store, candidates: list[Candidate], lookback: int) -> list[Change | None]:
    """The changes of the candidates their keys did not have in the look-back before them."""
    found: list[Change | None] = []
    for span in sorted({min(RECENT_NS, lookback), lookback}):
        if not candidates:
            break
        before: dict[tuple, list[Before]] = defaultdict(list)
        asked = [{**asdict(c), "at_ns": c.first_ns} for c in candidates]
        for row in q.values_before(store, asked, span, RECENT_NS):
            key = (row["project"], row["service"], row["dimension"], row["subject"], row["candidate"], row["at_ns"])
            before[key].append(Before(row["value"], row["recent_calls"], row["last_ns"]))
        unseen = [(c, before[(*c.key, c.value, c.first_ns)]) for c in candidates]
        unseen = [(c, b) for c, b in unseen if is_new(c, b)]
        if span < lookback:  # not seen in the last hour: ask again over the whole look-back
            candidates = [c for c, _ in unseen]
        else:
            found += [detected_change(c, replaced(b)) for c, b in unseen]
    return found


def _record(store: Store, found: list[Change], lookback: int, now: datetime) -> list[Change]:
    """Write the changes not recorded yet; return them."""
    if not found:
        return []
    recorded = [Change.from_row(row) for row in q.detected(store, sorted({c.to_value for c in found}))]
    fresh = [c for c in found if not already_recorded(c, recorded, lookback)]
    q.insert(store, [c.row(now) for c in fresh])
    return fresh
