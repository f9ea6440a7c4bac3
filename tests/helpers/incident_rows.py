"""Cost and quality rows of one service written straight into the store, for incident impact tests (the
jobs that normally write them are tested elsewhere); calls go through tests/helpers/calls.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pyarrow as pa

from store import Store


def insert_costs(store: Store, service: str, at: datetime, costs: list[Decimal | None], tag: str) -> None:
    """One priced call per amount (None: a call without a price), all at `at`."""
    rows = [{"timestamp": at, "trace_id": f"t-{tag}{i}", "span_id": f"{tag}{i}", "project": "p",
             "service_name": service, "provider": "openai", "model": "gpt-4o", "priced": cost is not None,
             "reason": "" if cost is not None else "no price", "currency": "USD", "cost_total": cost,
             "catalog_version": "v1", "priced_at": at, "status": "ok", "ingested_at": at}
            for i, cost in enumerate(costs)]
    store.insert_arrow("request_costs", pa.Table.from_pylist(rows))


def insert_scores(store: Store, service: str, at: datetime, source: str, passed: list[bool], tag: str) -> None:
    """One evaluation (source eval: value 1 or 0.1) or feedback (source feedback: value 1 or -1) per entry."""
    good, bad = (1.0, 0.1) if source == "eval" else (1.0, -1.0)
    rows = [{"timestamp": at, "project": "p", "trace_id": f"t-{tag}{i}", "span_id": f"{tag}{i}",
             "score_id": f"{tag}{i}", "name": "correctness" if source == "eval" else "thumbs",
             "value": good if ok else bad, "label": "", "source": source, "evaluator": "judge", "comment": "",
             "service_name": service, "model": "gpt-4o", "team": "", "feature": "", "joined": True}
            for i, ok in enumerate(passed)]
    store.insert_arrow("quality_scores", pa.Table.from_pylist(rows))
