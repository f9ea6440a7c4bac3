"""`changes` and `change_verdicts` rows written straight into a store, for the tests of what reads them (incidents,
post-mortems); the changes job, the changes API and the canary analysis that normally write them are tested apart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pyarrow as pa

from store import Store


def insert_change(store: Store, id: str, at: datetime, kind: str = "deploy", service: str = "", model: str = "",
                  project: str = "p", from_value: str = "", to_value: str = "", source: str = "detected",
                  author: str = "", link: str = "", description: str = "", subject: str = "",
                  dimension: str = "", recorded_at: datetime | None = None) -> None:
    """One row of a change; writing the same id again with a later `recorded_at` supersedes it."""
    store.insert_arrow("changes", pa.Table.from_pylist([{
        "id": id, "at": at, "kind": kind, "project": project, "service": service, "model": model,
        "dimension": dimension, "subject": subject, "from_value": from_value, "to_value": to_value, "source": source,
        "author": author, "description": description, "link": link, "recorded_at": recorded_at or at}]))


def insert_verdict(store: Store, change_id: str, run_at: datetime, verdict: str, score: float = 0.0,
                   worse: Sequence[str] = (), mode: str = "canary", report: str = "{}") -> None:
    """One analysis run of a change over the hour before `run_at`."""
    store.insert_arrow("change_verdicts", pa.Table.from_pylist([{
        "change_id": change_id, "run_at": run_at, "mode": mode, "window_start": run_at - timedelta(hours=1),
        "window_end": run_at, "verdict": verdict, "score": score, "worse": list(worse), "report": report}],
        schema=pa.schema([("change_id", pa.string()), ("run_at", pa.timestamp("us", "UTC")),
                          ("mode", pa.string()), ("window_start", pa.timestamp("us", "UTC")),
                          ("window_end", pa.timestamp("us", "UTC")), ("verdict", pa.string()),
                          ("score", pa.float64()), ("worse", pa.list_(pa.string())), ("report", pa.string())])))
