"""`drift`: the latest drift comparison of a group (project, service, model, feature) found drift.

The drift job (pipelines/drift/) compares each group's last 24 h with the week before every hour
and stores a verdict in `drift_results`; this reads the newest comparison of each group computed
in the last `max_age` and fires when it drifted. A comparison with too few rows
(`insufficient_data`) is no verdict and never fires; a group whose comparisons stop coming
(older than `max_age`) goes quiet here, and the `no_data` detector is the one about silence.
Value is the share of drifted features, threshold the share the job's verdict required; the
evidence names each drifted feature with its test, score and threshold, and both windows.

Sharing a query: one read of the comparisons of the longest `max_age`, filtered only on what
every rule filters on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl
from pydantic import Field

from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant, rounded
from detectors.frames import within
from detectors.selection import Filtered, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_quality as q


class Params(Filtered):
    DIMENSIONS = q.DRIFT_DIMENSIONS

    max_age: Duration = Field(timedelta(hours=3), description=(
        "Only comparisons computed this recently count (the job runs hourly)."))


def lookback(p: Params) -> timedelta:
    return p.max_age


def merge_params(rules: Sequence[Params]) -> Params:
    return Params(**query_selection(rules), max_age=max(r.max_age for r in rules))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    return q.drift_verdicts(store, p.where, since, until)


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    rows = selected(within(frame, now, p.max_age), p)
    latest = rows.sort(["time", "id"]).group_by(list(q.DRIFT_DIMENSIONS)).last()
    signals = []
    for row in latest.filter((pl.col("status") == "ok") & pl.col("drifted").fill_null(False)).iter_rows(named=True):
        features = [{"name": n, "method": m, "score": rounded(s), "threshold": rounded(t)} for n, m, s, t in
                    zip(*(row[f"feature_{k}"] or [] for k in ("names", "methods", "scores", "thresholds")), strict=True)]
        evidence = {
            "comparison_id": row["id"], "computed_at": instant(row["time"]),
            "drift_share": rounded(row["drift_share"]), "drift_share_threshold": row["drift_share_threshold"],
            "drifted_features": row["drifted_features"], "compared_features": row["compared_features"],
            "features": features,
            "reference": {"start": instant(row["reference_since"]), "end": instant(row["reference_until"]),
                          "rows": row["reference_rows"]},
            "current": {"start": instant(row["current_since"]), "end": instant(row["current_until"]),
                        "rows": row["current_rows"]},
        }
        signals.append(Signal(labels_of(row, q.DRIFT_DIMENSIONS), float(row["drift_share"] or 0.0),
                              float(row["drift_share_threshold"]), evidence))
    return signals


DETECTOR = Detector(name="drift", summary="The latest drift comparison of a model's traffic found drift.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
