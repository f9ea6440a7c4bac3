"""Hand-written OTLP/JSON requests, for tests of the wire format itself (ids in hex, int64 as strings)."""

from __future__ import annotations

import httpx

TRACE_ID = "5B8EFFF798038103D269B633813FC60C"


def span_json(span_id: str = "EEE19B7EC3C1B174", trace_id: str = TRACE_ID, **extra) -> dict:
    return {
        "traceId": trace_id, "spanId": span_id, "parentSpanId": "EEE19B7EC3C1B173",
        "name": "chat gpt-4o", "kind": 3, "startTimeUnixNano": "1763700000000000000",
        "endTimeUnixNano": "1763700001500000000", "somethingNew": {"ignored": True},
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "9007199254740993"}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 12}},
            {"key": "gen_ai.response.finish_reasons",
             "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}}},
            {"key": "temperature", "value": {"doubleValue": 0.5}},
            {"key": "stream", "value": {"boolValue": True}},
        ],
        "status": {"code": 2, "message": "boom"}, **extra,
    }


def traces_json(*spans: dict) -> dict:
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "json-svc"}}]},
        "scopeSpans": [{"scope": {"name": "hand", "version": "1.0"}, "spans": list(spans)}]}]}


def post(service, signal: str, body: bytes, content_type: str = "application/json", **headers) -> httpx.Response:
    return httpx.post(f"{service.otlp_http}/v1/{signal}", content=body,
                      headers={"Content-Type": content_type, **headers}, timeout=30)
