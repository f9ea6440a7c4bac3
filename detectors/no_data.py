"""`no_data`: something that was sending has gone silent: a service, a GPU host (a DCGM target, an agent),
or the whole ingest.

Every other detector treats an empty series as "nothing to say"; this one is the detector that
speaks about silence. A subject is *known* when it sent at least `min_rows` rows in the last
`known_within`, and *silent* when nothing arrived for longer than both `silence` and
`gap_factor` x its own mean gap between active minutes (so a service that calls a model every
hour is not declared dead after 15 minutes, while a busy one is), and (`daily`), when it is
older than a day, it did send something during the same span a day earlier (a service idle
every night is not dead every night; one that stops at 11:00 on a working day is). Subjects:
- `service`: LLM calls per project and service;
- `gpu_host`: GPU samples per project, host and source (dcgm, agent, otlp): a silent dcgm source is
  a DCGM target that stopped answering;
- `ingest`: rows of every OpenTelemetry table together, Spyglass's own telemetry aside.
Labels say which: `subject` and its dimensions. A subject that never sent anything in the
window is unknown, not silent: a new, empty install never pages; and one silent for longer than
`known_within` is no longer known, so its signal stops then (raise it to keep paging longer).

Sharing a query: one count per minute and subject over the union of the rules' subjects and the
longest `known_within`; `where` applies to the subjects that have the dimension.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

import polars as pl
from pydantic import Field

from detectors.base import Detector, Signal
from detectors.durations import Duration, format_duration
from detectors.evidence import instant
from detectors.frames import within
from detectors.selection import Filtered, query_selection
from store.base import Store
from store.queries import detectors_silence as q

Subject = Literal["service", "gpu_host", "ingest"]
SUBJECT_NAMES: tuple[Subject, ...] = ("service", "gpu_host", "ingest")
# Subject -> its query and the dimensions that identify one (its labels besides `subject`).
SUBJECTS = {"service": (q.service_minutes, ("project", "service")),
            "gpu_host": (q.gpu_host_minutes, ("project", "host", "source")),
            "ingest": (q.ingest_minutes, ())}
KEY = ("subject", "project", "service", "host", "source")
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


class Params(Filtered):
    DIMENSIONS = ("project", "service", "host", "source")

    subjects: tuple[Subject, ...] = Field(SUBJECT_NAMES, min_length=1, description="What is watched for silence.")
    silence: Duration = Field(timedelta(minutes=15), description="Silent at least this long fires.")
    known_within: Duration = Field(timedelta(hours=24), description=(
        "A subject is known (and can go silent) when it sent rows in this window before now."))
    min_rows: int = Field(10, ge=1, description="Rows a subject must have sent in known_within to be known.")
    gap_factor: float = Field(5.0, ge=0, description=(
        "... and silent longer than this many times its own mean gap between active minutes (0: off)."))
    daily: bool = Field(True, description=(
        "... and, for a subject older than a day, it sent rows during the same span a day earlier "
        "(a service quiet every night is not dead every night)."))


def lookback(p: Params) -> timedelta:
    """The known window, and a day more for the same span a day earlier."""
    return p.known_within + DAY


def merge_params(rules: Sequence[Params]) -> Params:
    subjects = tuple(s for s in SUBJECT_NAMES if any(s in r.subjects for r in rules))
    return Params(**query_selection(rules), subjects=subjects, known_within=max(r.known_within for r in rules))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    frames = [SUBJECTS[s][0](store, since, until).with_columns(pl.col("rows").cast(pl.Int64)) for s in p.subjects]
    return pl.concat(frames)


def _selected(rows: pl.DataFrame, p: Params) -> pl.DataFrame:
    rows = rows.filter(pl.col("subject").is_in(list(p.subjects)))
    for name, values in p.where.items():
        has = [s for s, (_, dims) in SUBJECTS.items() if name in dims]
        rows = rows.filter(~pl.col("subject").is_in(has) | pl.col(name).is_in(list(values)))
    return rows


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    history = _selected(within(frame, now, lookback(p)), p).filter(pl.col("rows") > 0)
    recent = pl.col("time") > now - p.known_within
    known = history.group_by(list(KEY)).agg(
        pl.col("rows").filter(recent).sum(), pl.col("time").filter(recent).n_unique().alias("active_minutes"),
        pl.col("time").filter(recent).min().alias("first_seen"), pl.col("time").filter(recent).max().alias("last_seen"),
        pl.col("time").min().alias("history_start")).filter(pl.col("rows") >= p.min_rows)
    earlier = (history.join(known.select(*KEY, "last_seen"), on=list(KEY))
               .filter((pl.col("time") > pl.col("last_seen") - DAY) & (pl.col("time") <= now - DAY))
               .group_by(list(KEY)).agg(pl.len().alias("minutes_a_day_earlier")))
    known = known.join(earlier, on=list(KEY), how="left")
    signals = []
    for row in known.sort(list(KEY)).iter_rows(named=True):
        observed = now - row["first_seen"] + MINUTE
        threshold = max(p.silence, p.gap_factor * observed / row["active_minutes"])
        silent = now - row["last_seen"]
        if silent < threshold or (p.daily and _quiet_a_day_earlier(row)):
            continue
        labels = {"subject": row["subject"], **{d: row[d] for d in SUBJECTS[row["subject"]][1]}}
        evidence = {"last_seen": instant(row["last_seen"]), "silent_for": format_duration(_seconds(silent)),
                    "threshold": format_duration(_seconds(threshold)), "rows": row["rows"],
                    "active_minutes": row["active_minutes"], "known_within": format_duration(p.known_within)}
        signals.append(Signal(labels, silent.total_seconds(), round(threshold.total_seconds(), 3), evidence))
    return signals


def _quiet_a_day_earlier(row: dict) -> bool:
    """Whether a subject older than a day sent nothing during its silent span shifted a day back."""
    return row["history_start"] <= row["last_seen"] - DAY and not row["minutes_a_day_earlier"]


def _seconds(value: timedelta) -> timedelta:
    return timedelta(seconds=int(value.total_seconds()))


DETECTOR = Detector(name="no_data", summary="A service, a GPU host or the whole ingest went silent.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
