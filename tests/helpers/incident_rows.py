"""Cost and quality rows of one service written straight into the store, for incident impact tests (the
jobs that normally write them are tested elsewhere); calls go through tests/helpers/calls.py. `populate` writes
the chat service's incident whose impact the tests work out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa

from store import Store
from tests.helpers.calls import insert_call

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
H, WEEK = timedelta(hours=1), timedelta(days=7)
SLO_RULES = """rules:
  - name: slo-burn
    detector: error_burn_rate
    params: {objective: 0.99, period: 30d, where: {service: [chat]}, windows: [{long: 1h, short: 5m, burn_rate: 14.4}]}
    severity: critical
"""


def populate(store: Store) -> None:
    """chat: 20 calls in [T, T+1h) (16 ok at 100 ms, 4 failed at 1000 ms) and 10 ok at 100 ms a week earlier;
    search: 5 calls in the window that are not the incident's. Spend: 20 x $0.015 and one unpriced call in the
    window, 10 x $0.01 a week earlier, $5 of search. Evaluations 4/10 pass now, 9/10 before; feedback 1/4
    positive now, 2/2 before."""
    for i in range(20):
        failed = i >= 16
        insert_call(store, f"w{i}", T, at=T + i * timedelta(minutes=2), service="chat",
                    status="error" if failed else "ok", duration_ms=1000 if failed else 100)
    for i in range(10):
        insert_call(store, f"b{i}", T, at=T - WEEK + i * timedelta(minutes=5), service="chat", status="ok",
                    duration_ms=100)
    for i in range(5):
        insert_call(store, f"s{i}", T, at=T + i * timedelta(minutes=5), service="search", status="error",
                    duration_ms=5000)
    insert_costs(store, "chat", T + 10 * timedelta(minutes=1), [Decimal("0.015")] * 20 + [None], "cw")
    insert_costs(store, "chat", T - WEEK + timedelta(minutes=10), [Decimal("0.01")] * 10, "cb")
    insert_costs(store, "search", T + timedelta(minutes=10), [Decimal("5")], "cs")
    insert_scores(store, "chat", T + timedelta(minutes=20), "eval", [True] * 4 + [False] * 6, "ew")
    insert_scores(store, "chat", T - WEEK + timedelta(minutes=20), "eval", [True] * 9 + [False], "eb")
    insert_scores(store, "chat", T + timedelta(minutes=30), "feedback", [True, False, False, False], "fw")
    insert_scores(store, "chat", T - WEEK + timedelta(minutes=30), "feedback", [True, True], "fb")


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
