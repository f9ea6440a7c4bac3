"""`change_regression`: the newest verdict on a change is `fail`, so the change made things worse: roll it back.

The canary job (releases/canary_job.py) judges each recent change of a service, prompt, model or provider
against the version it replaced, every few minutes, and stores one verdict per run in `change_verdicts`. This
reads the newest run of each change within `max_age` and fires while it is `fail`; a later run that passes
(the candidate recovered, or more traffic showed it was noise) resolves it, and a change no longer analysed
goes quiet. `marginal` and `insufficient_data` never fire: a rollback signal must be a verdict, not a doubt.

Labels name the change (its id, kind, service, model, and the version it introduced), so two bad changes are
two alerts; value is the number of metrics that got worse and the evidence gives each with both sides'
values and the interval of the difference, the change itself and the windows compared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from pydantic import Field

from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant
from detectors.frames import within
from detectors.selection import Filtered, query_selection, selected
from store.base import Store
from store.queries import detectors_changes as q


class Params(Filtered):
    DIMENSIONS = tuple(q.DIMENSIONS)

    max_age: Duration = Field(timedelta(minutes=30), description=(
        "Only verdicts computed this recently count (the canary job runs every few minutes)."))


def lookback(p: Params) -> timedelta:
    return p.max_age


def merge_params(rules: Sequence[Params]) -> Params:
    return Params(**query_selection(rules), max_age=max(r.max_age for r in rules))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    return q.verdict_runs(store, p.where, since, until)


def _worse_metrics(report: str, worse: list[str]) -> list[dict[str, Any]]:
    """The report's entries of the metrics that got worse (the report is the comparison as JSON)."""
    try:
        metrics = json.loads(report).get("metrics", [])
    except (ValueError, AttributeError):
        metrics = []
    by_name = {m.get("name"): m for m in metrics if isinstance(m, dict)}
    return [by_name.get(name, {"name": name}) for name in worse]


def _labels(row: dict[str, Any]) -> dict[str, str]:
    labels = {"project": row["project"], "service": row["service"], "change": row["change_id"],
              "kind": row["kind"], "version": row["to_value"]}
    if row["model"]:
        labels["model"] = row["model"]
    return labels


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    rows = selected(within(frame, now, p.max_age), p)
    latest = rows.sort(["time", "change_id"]).group_by("change_id").last().sort("change_id")
    signals = []
    for row in latest.filter(pl.col("verdict") == "fail").iter_rows(named=True):
        evidence = {
            "change": {"id": row["change_id"], "kind": row["kind"], "dimension": row["dimension"],
                       "subject": row["subject"], "from": row["from_value"], "to": row["to_value"],
                       "at": instant(row["changed_at"]), "source": row["source"], "author": row["author"],
                       "link": row["link"]},
            "verdict": row["verdict"], "score": row["score"], "mode": row["mode"], "judged_at": instant(row["time"]),
            "window": {"start": instant(row["window_start"]), "end": instant(row["window_end"])},
            "worse": _worse_metrics(row["report"], list(row["worse"])),
        }
        signals.append(Signal(_labels(row), float(len(row["worse"])), 0.0, evidence))
    return signals


DETECTOR = Detector(name="change_regression",
                    summary="The newest verdict on a change (a release, prompt, model or provider) is fail.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
