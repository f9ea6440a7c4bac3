"""One trace as the API answers it: stored rows in, the waterfall of spans with their calls and costs out.

Pure: the spans (otel_traces), the typed calls (llm_calls) and their cost rows come in as the queries of
store/queries/traces.py return them; content is shown as collector/normalise/content.shown decides; the
order is spyglass/api/waterfall.py's. A call whose span is not stored (rows written into `llm_calls` by
something other than the view) still appears, as a span rebuilt from the call (`stored: false`). The
totals are sums of what the spans show, so they always add up.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from client.models.traces import (
    CallCost,
    GpuCost,
    LlmCall,
    Span,
    SpanEvent,
    TokenCost,
    TraceDetail,
    TraceTokens,
    TraceTotals,
)
from collector.normalise.content import DEFAULT_PROJECT, shown
from spyglass.api.waterfall import waterfall
from spyglass.timerange import rfc3339_ns
from store.queries.traces import MAX_SPANS

_ERROR_CODES = ("Error", "STATUS_CODE_ERROR")
_TOKEN_PARTS = {"input": "cost_input", "cache_read": "cost_cache_read", "cache_write": "cost_cache_write",
                "output": "cost_output", "reasoning": "cost_reasoning", "request_fee": "cost_request_fee",
                "total": "token_amount"}


def _tokens(row: dict[str, Any]) -> TraceTokens:
    return TraceTokens(input=row["input_tokens"], output=row["output_tokens"], cache_read=row["cache_read_tokens"],
                       cache_write=row["cache_write_tokens"], reasoning=row["reasoning_tokens"])


def _cost(row: dict[str, Any]) -> CallCost:
    token = TokenCost(priced=bool(row["token_priced"]), reason=row["reason"], flags=list(row["flags"]),
                      currency=row["currency"], tier=row["tier"],
                      **{name: row[column] for name, column in _TOKEN_PARTS.items()},
                      **{name: row[name] for name in ("entry_id", "rule", "catalog_version", "price_basis",
                                                      "priced_as")})
    served = row["served"] == 1
    gpu = GpuCost(priced=bool(row["gpu_priced"]), amount=row["gpu_amount"], host=row["gpu_host"],
                  price_source=row["gpu_price_source"]) if served else None
    return CallCost(amount=row["spend"], priced=bool(row["has_price"]), gpu_served=served, token=token, gpu=gpu)


def _call(row: dict[str, Any], cost: dict[str, Any] | None) -> LlmCall:
    ttft = row["ttft_ns"]
    return LlmCall(tokens=_tokens(row), ttft_ms=ttft / 1e6 if ttft is not None else None,
                   finish_reasons=list(row["finish_reasons"]), cost=_cost(cost) if cost else None,
                   **{name: row[name] for name in ("operation", "provider", "request_model", "response_model", "model",
                                                   "usage_reported", "status", "error_type", "team", "feature",
                                                   "user_id", "session_id", "host_name", "response_id")})


def _from_call(call: dict[str, Any]) -> dict[str, Any]:
    """A span row rebuilt from an LLM call whose span is not stored."""
    return {"span_id": call["span_id"], "parent_span_id": call["parent_span_id"], "name": call["span_name"],
            "service": call["service_name"], "kind": "", "start_ns": call["start_ns"],
            "duration_ns": call["duration_ns"], "status_code": "Error" if call["status"] == "error" else "",
            "status_message": call["error_type"], "scope_name": "", "attributes": [], "resource_attributes": [],
            "event_ns": [], "event_names": [], "event_attributes": [], "stored": False}


def span_project(row: dict[str, Any]) -> str:
    """The project a span was sent under (the collector stamps it on the resource)."""
    return dict(row["resource_attributes"]).get("spyglass.project") or DEFAULT_PROJECT


def _span(row: dict[str, Any], depth: int, call: LlmCall | None, captures: Callable[[str], bool]) -> Span:
    events = [(name, dict(attrs)) for name, attrs in zip(row["event_names"], row["event_attributes"], strict=True)]
    seen = shown(dict(row["attributes"]), events, captures(span_project(row)))
    end = row["start_ns"] + row["duration_ns"]
    return Span(span_id=row["span_id"], parent_span_id=row["parent_span_id"], depth=depth, name=row["name"],
                service=row["service"], kind=row["kind"], start=rfc3339_ns(row["start_ns"]), end=rfc3339_ns(end),
                duration_ms=row["duration_ns"] / 1e6, status_code=row["status_code"],
                status_message=row["status_message"], scope_name=row["scope_name"], attributes=seen.attributes,
                resource_attributes=dict(row["resource_attributes"]), content=seen.content,
                stored=row.get("stored", True), llm_call=call,
                events=[SpanEvent(time=rfc3339_ns(ns), name=name, attributes=attrs)
                        for ns, (name, attrs) in zip(row["event_ns"], seen.events, strict=True)])


def _totals(spans: list[Span], duration_ns: int) -> TraceTotals:
    calls = [s.llm_call for s in spans if s.llm_call is not None]
    costs = [c.cost for c in calls if c.cost is not None]
    zero = Decimal(0)
    return TraceTotals(
        spans=len(spans), llm_calls=len(calls), errors=sum(s.status_code in _ERROR_CODES for s in spans),
        duration_ms=duration_ns / 1e6,
        tokens=TraceTokens(**{kind: sum(getattr(c.tokens, kind) for c in calls) for kind in TraceTokens.model_fields}),
        cost=sum((c.amount or zero for c in costs), zero),
        token_cost=sum((c.amount or zero for c in costs if not c.gpu_served), zero),
        gpu_cost=sum((c.amount or zero for c in costs if c.gpu_served), zero),
        unpriced_calls=sum(c.cost is None or not c.cost.priced for c in calls))


def trace_detail(trace_id: str, spans: list[dict[str, Any]], calls: list[dict[str, Any]],
                 costs: list[dict[str, Any]], captures: Callable[[str], bool]) -> TraceDetail:
    """The trace: spans in waterfall order, each LLM-call span with its call and cost; totals; truncation."""
    truncated = len(spans) > MAX_SPANS
    spans = spans[:MAX_SPANS]
    stored = {s["span_id"] for s in spans}
    rows = [*spans, *(_from_call(c) for c in calls if c["span_id"] not in stored)]
    by_span = {c["span_id"]: c for c in costs}
    typed = {c["span_id"]: _call(c, by_span.get(c["span_id"])) for c in calls}
    out = [_span(row, depth, typed.get(row["span_id"]), captures) for row, depth in waterfall(rows)]
    start = min(r["start_ns"] for r in rows)
    end = max(r["start_ns"] + r["duration_ns"] for r in rows)
    return TraceDetail(trace_id=trace_id, start=rfc3339_ns(start), end=rfc3339_ns(end), truncated=truncated,
                       totals=_totals(out, end - start), spans=out)
