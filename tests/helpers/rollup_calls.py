"""Random `llm_calls` rows over every dimension the call rollups keep, and the answers computed from them in Python.

The reference answers dedupe by (trace_id, span_id) and filter and group in plain Python, independent of any
SQL, so a rollup answer and a raw answer are both held to them. Percentiles are compared within a stated rank
and value tolerance (`within_rank`): the rollups keep log-scale codes of durations (1.14 % apart at most) and
the raw path a reservoir sample.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa

from store.queries.filters import Filters, stored_values

# A percentile estimate passes when it lies between the exact values at ranks q - RANK_TOLERANCE and q + RANK_TOLERANCE,
# widened by VALUE_TOLERANCE (the rollups' log-scale codes of durations are within 1.14 % of the value).
RANK_TOLERANCE = 0.02
VALUE_TOLERANCE = 0.012
MODELS = (("gpt-4o", "gpt-4o-2024-08-06", "openai"), ("gpt-4o", "", "openai"), ("", "claude-sonnet-4", "anthropic"),
          ("claude-sonnet-4", "claude-sonnet-4", "anthropic"), ("gemini-2.5-flash", "gemini-2.5-flash", "gcp.gemini"))
CHOICES = {"project": ("p1", "p2"), "service_name": ("chat", "search", "agent"), "environment": ("prod", "staging", ""),
           "service_version": ("1.0", "1.1"), "operation": ("chat", "text_completion"), "team": ("a", "b"),
           "feature": ("answer", "rerank", ""), "status": ("ok", "unset", "ok", "ok", "error")}


@dataclass(frozen=True)
class Call:
    timestamp: datetime
    trace_id: str
    span_id: str
    project: str
    service_name: str
    environment: str
    service_version: str
    operation: str
    provider: str
    request_model: str
    response_model: str
    team: str
    feature: str
    status: str
    error_type: str
    user_id: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    duration_ns: int
    ttft_ns: int | None
    ingested_at: datetime

    @property
    def model(self) -> str:
        return self.request_model or self.response_model


def random_calls(rng: random.Random, n: int, start: datetime, end: datetime, prefix: str = "t") -> list[Call]:
    """`n` calls spread over [start, end), each ingested 0.1-3 s after it started."""
    calls = []
    span = (end - start).total_seconds()
    for i in range(n):
        at = start + timedelta(seconds=rng.random() * span)
        request, response, provider = rng.choice(MODELS)
        dims = {k: rng.choice(v) for k, v in CHOICES.items()}
        error_type = rng.choice(("timeout", "rate_limit")) if dims["status"] == "error" else ""
        streamed = rng.random() < 0.4
        calls.append(Call(
            timestamp=at, trace_id=f"{prefix}{i // 3}", span_id=f"s{i}", provider=provider, request_model=request,
            response_model=response, error_type=error_type, user_id=rng.choice(("", "u1", "u2", "u3", "u4")), **dims,
            input_tokens=rng.randrange(0, 5000), output_tokens=rng.randrange(0, 2000),
            cache_read_tokens=rng.choice((0, 0, rng.randrange(1, 3000))), cache_write_tokens=rng.randrange(0, 50),
            reasoning_tokens=rng.randrange(0, 300), duration_ns=int(rng.lognormvariate(math.log(8e8), 0.8)),
            ttft_ns=int(rng.lognormvariate(math.log(2e8), 0.5)) if streamed else None,
            ingested_at=at + timedelta(seconds=0.1 + 2.9 * rng.random())))
    return calls


def retried(calls: Iterable[Call], ingested_at: datetime | None = None) -> list[Call]:
    """The same spans delivered again (a client retry), ingested at `ingested_at` (default: as first)."""
    return [replace(c, ingested_at=ingested_at or c.ingested_at) for c in calls]


def insert(store, calls: list[Call]) -> None:
    """One insert of `calls` into `llm_calls`."""
    names = [f for f in Call.__dataclass_fields__]
    columns = {name: [getattr(c, name) for c in calls] for name in names}
    types = {"timestamp": pa.timestamp("us", "UTC"), "ingested_at": pa.timestamp("ms", "UTC"), "ttft_ns": pa.uint64(),
             "duration_ns": pa.uint64(), **{k: pa.int64() for k in names if k.endswith("_tokens")}}
    store.insert_arrow("llm_calls", pa.table({n: pa.array(v, type=types.get(n, pa.string())) for n, v in columns.items()}))


def _selected(calls: Iterable[Call], f: Filters) -> list[Call]:
    unique = {(c.trace_id, c.span_id): c for c in calls}.values()
    wanted = {column: set(stored_values(column, values)) for column, values in f.extra.items() if values}
    return [c for c in unique if f.since <= c.timestamp < f.until
            and (not f.projects or c.project in f.projects) and (not f.services or c.service_name in f.services)
            and (not f.models or c.request_model in f.models or c.response_model in f.models)
            and all(getattr(c, column) in values for column, values in wanted.items())]


def _totals(calls: list[Call]) -> dict[str, Any]:
    return {"requests": len(calls), "errors": sum(c.status == "error" for c in calls),
            "tokens": {kind: sum(getattr(c, f"{kind}_tokens") for c in calls)
                       for kind in ("input", "output", "cache_read", "cache_write", "reasoning")},
            "streamed_requests": sum(c.ttft_ns is not None for c in calls),
            "durations_ms": sorted(c.duration_ns / 1e6 for c in calls),
            "ttfts_ms": sorted(c.ttft_ns / 1e6 for c in calls if c.ttft_ns is not None)}


def expected_summary(calls: Iterable[Call], f: Filters) -> dict[str, Any]:
    """{"overall": totals, "by_model": {model: totals}}, totals carrying the sorted durations for percentiles."""
    selected = _selected(calls, f)
    by_model: dict[str, list[Call]] = defaultdict(list)
    for c in selected:
        by_model[c.model].append(c)
    return {"overall": _totals(selected), "by_model": {m: _totals(cs) for m, cs in by_model.items()}}


def expected_series(calls: Iterable[Call], f: Filters, step: int, by: str | None) -> dict[tuple[datetime, str], Any]:
    """{(bucket start, series): totals} as the time series groups them (`by` as SERIES_BY names it)."""
    column = {"service": "service_name"}.get(by or "", by)
    groups: dict[tuple[datetime, str], list[Call]] = defaultdict(list)
    for c in _selected(calls, f):
        bucket = datetime.fromtimestamp(int(c.timestamp.timestamp()) // step * step, timezone.utc)
        value = "" if column is None else getattr(c, column)
        if by == "status":
            value = "error" if value == "error" else "ok"
        groups[(bucket, value)].append(c)
    return {key: _totals(cs) for key, cs in groups.items()}


def within_rank(sorted_values: list[float], q: float, estimate: float | None) -> bool:
    """Whether `estimate` lies between the exact values at ranks q -/+ RANK_TOLERANCE, give or take VALUE_TOLERANCE."""
    if not sorted_values:
        return estimate is None
    last = len(sorted_values) - 1
    low = sorted_values[math.floor(max(0.0, q - RANK_TOLERANCE) * last)]
    high = sorted_values[math.ceil(min(1.0, q + RANK_TOLERANCE) * last)]
    return estimate is not None and low * (1 - VALUE_TOLERANCE) <= estimate <= high * (1 + VALUE_TOLERANCE)
