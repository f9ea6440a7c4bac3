"""Random agent, tool and retrieval spans in `otel_traces` (with model calls and plain HTTP spans beside them), and
the operations view's answer computed from them in Python: counted once per (trace, span), filtered and grouped
independently of any SQL, so rollup answers and raw answers are both held to it."""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from store.queries.operations import OperationFilters

# (gen_ai.operation.name, the attribute that names it): '' is a plain HTTP span, chat a model call.
KINDS = (("execute_tool", "gen_ai.tool.name"), ("execute_tool", "gen_ai.tool.name"), ("invoke_agent", "gen_ai.agent.name"),
         ("retrieval", ""), ("chat", ""), ("", ""))
NAMES = ("web_search", "calculator", "planner")
SERVICES = ("agent-app", "support-bot", "batch")
PROJECTS = ("p1", "p2", "")  # '' leaves the resource attribute out: the project is 'default'


@dataclass(frozen=True)
class Span:
    timestamp: datetime
    trace_id: str
    span_id: str
    span_name: str
    service: str
    project: str
    operation: str
    name_attribute: str
    name: str
    duration_ns: int
    failed: bool
    ingested_at: datetime

    @property
    def shown_name(self) -> str:
        """The name the view shows: the tool's or agent's attribute, else the span name."""
        return self.name if self.name_attribute else self.span_name


def random_spans(rng: random.Random, n: int, start: datetime, end: datetime, prefix: str = "t") -> list[Span]:
    """`n` spans spread over [start, end), each ingested 0.1-3 s after it started."""
    spans = []
    width = (end - start).total_seconds()
    for i in range(n):
        at = start + timedelta(seconds=rng.random() * width)
        operation, attribute = rng.choice(KINDS)
        spans.append(Span(at, f"{prefix}{i // 4}", f"s{i}", rng.choice(("retrieve docs", "step", "GET /x")),
                          rng.choice(SERVICES), rng.choice(PROJECTS), operation, attribute, rng.choice(NAMES),
                          int(rng.lognormvariate(math.log(3e8), 1.0)), rng.random() < 0.1,
                          at + timedelta(seconds=0.1 + 2.9 * rng.random())))
    return spans


def retried(spans: Iterable[Span], ingested_at: datetime | None = None) -> list[Span]:
    """The same spans delivered again, ingested at `ingested_at` (default: as first)."""
    return [replace(s, ingested_at=ingested_at or s.ingested_at) for s in spans]


def _row(s: Span) -> dict[str, Any]:
    attributes = {"gen_ai.operation.name": s.operation} if s.operation else {"http.request.method": "GET"}
    if s.name_attribute:
        attributes[s.name_attribute] = s.name
    return {"Timestamp": s.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f"), "TraceId": s.trace_id, "SpanId": s.span_id,
            "SpanName": s.span_name, "ServiceName": s.service, "Duration": s.duration_ns,
            "ResourceAttributes": {"service.name": s.service, **({"spyglass.project": s.project} if s.project else {})},
            "SpanAttributes": attributes, "StatusCode": "Error" if s.failed else "Unset",
            "ingested_at": s.ingested_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]}


def insert(store, spans: list[Span]) -> None:
    """One insert of `spans` into `otel_traces`, as the collector writes them (ingestion time given)."""
    columns = "Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration, ResourceAttributes, SpanAttributes, " \
              "StatusCode, ingested_at"
    store.command(f"INSERT INTO otel_traces ({columns}) SELECT {columns} FROM format(JSONEachRow, "
                  "'Timestamp DateTime64(9), TraceId String, SpanId String, SpanName String, ServiceName String, "
                  "Duration UInt64, ResourceAttributes Map(String, String), SpanAttributes Map(String, String), "
                  "StatusCode String, ingested_at DateTime64(3)', {rows:String})",
                  {"rows": "\n".join(json.dumps(_row(s)) for s in spans)})


def expected(delivered: Iterable[Span], f: OperationFilters) -> dict[tuple[str, str, str], dict[str, Any]]:
    """{(operation, name, service): calls and errors (each span once), and the sorted durations (ms) of every
    delivered copy} of the non-model operations."""
    groups: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
    for s in delivered:
        project = s.project or "default"
        if (f.since <= s.timestamp < f.until and s.operation not in ("", "chat")
                and (not f.projects or project in f.projects) and (not f.services or s.service in f.services)
                and (not f.operations or s.operation in f.operations)
                and (not f.names or s.shown_name in f.names)):
            groups[(s.operation, s.shown_name, s.service)].append(s)
    return {key: {"calls": len({(s.trace_id, s.span_id) for s in group}),
                  "errors": len({(s.trace_id, s.span_id) for s in group if s.failed}),
                  "durations_ms": sorted(s.duration_ns / 1e6 for s in group)} for key, group in groups.items()}
