"""OTLP traces → `otel_traces` rows, exactly as the ClickHouse exporter writes them.

The `llm_calls` rows are not built here: the store's view derives them from these rows
(collector/normalise/genai_view.py), the same way for our spans and a foreign collector's.
"""

from __future__ import annotations

import pyarrow as pa
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from collector.decode.attributes import MAP_TYPE, MapColumn, as_string, hex_id
from collector.decode.signal import MAX_UNIX_NANO, Decoded, resource_attributes

SPAN_KINDS = ("Unspecified", "Internal", "Server", "Client", "Producer", "Consumer")
STATUS_CODES = ("Unset", "Ok", "Error")

_TS = pa.timestamp("ns")
_EVENT_ATTRS = pa.list_(MAP_TYPE)
_NONE: list = []


def span_problem(span) -> str | None:
    """Why a span cannot be stored (malformed ids), or None."""
    if len(span.trace_id) != 16 or not span.trace_id.strip(b"\x00"):
        return f"span {span.name!r}: trace_id must be 16 bytes, not all zero"
    if len(span.span_id) != 8 or not span.span_id.strip(b"\x00"):
        return f"span {span.name!r}: span_id must be 8 bytes, not all zero"
    if span.parent_span_id and len(span.parent_span_id) != 8:
        return f"span {span.name!r}: parent_span_id must be 8 bytes or empty"
    if (span.start_time_unix_nano > MAX_UNIX_NANO or span.end_time_unix_nano > MAX_UNIX_NANO
            or any(e.time_unix_nano > MAX_UNIX_NANO for e in span.events)):
        return f"span {span.name!r}: a time is beyond the year 2262"
    return None


def decode(request: ExportTraceServiceRequest, project: str | None) -> Decoded:
    out = Decoded()
    ts, trace_ids, span_ids, parents, states, names, kinds, services = [], [], [], [], [], [], [], []
    scope_names, scope_versions, durations, status_codes, status_messages = [], [], [], [], []
    ev_ts, ev_names, ev_attrs, ln_trace, ln_span, ln_state, ln_attrs = [], [], [], [], [], [], []
    resources, attributes = MapColumn(), MapColumn()
    for resource_spans in request.resource_spans:
        resource = resource_attributes(resource_spans.resource, project)
        service = resource.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            scope_name, scope_version = scope_spans.scope.name, scope_spans.scope.version
            for span in scope_spans.spans:
                problem = span_problem(span)
                if problem:
                    out.reject(problem)
                    continue
                ts.append(span.start_time_unix_nano)
                trace_ids.append(span.trace_id.hex())
                span_ids.append(span.span_id.hex())
                parents.append(hex_id(span.parent_span_id))
                states.append(span.trace_state)
                names.append(span.name)
                kinds.append(SPAN_KINDS[span.kind] if 0 <= span.kind < len(SPAN_KINDS) else SPAN_KINDS[0])
                services.append(service)
                scope_names.append(scope_name)
                scope_versions.append(scope_version)
                resources.append_dict(resource)
                attributes.append(span.attributes)
                end, start = span.end_time_unix_nano, span.start_time_unix_nano
                durations.append(end - start if end > start else 0)
                code = span.status.code
                status_codes.append(STATUS_CODES[code] if 0 <= code < len(STATUS_CODES) else STATUS_CODES[0])
                status_messages.append(span.status.message)
                events, links = span.events, span.links
                if events:
                    ev_ts.append([e.time_unix_nano for e in events])
                    ev_names.append([e.name for e in events])
                    ev_attrs.append([[(kv.key, as_string(kv.value)) for kv in e.attributes] for e in events])
                else:  # most spans: one shared empty list instead of three comprehensions
                    ev_ts.append(_NONE)
                    ev_names.append(_NONE)
                    ev_attrs.append(_NONE)
                if links:
                    ln_trace.append([hex_id(link.trace_id) for link in links])
                    ln_span.append([hex_id(link.span_id) for link in links])
                    ln_state.append([link.trace_state for link in links])
                    ln_attrs.append([[(kv.key, as_string(kv.value)) for kv in link.attributes] for link in links])
                else:
                    ln_trace.append(_NONE)
                    ln_span.append(_NONE)
                    ln_state.append(_NONE)
                    ln_attrs.append(_NONE)
    out.accepted = len(ts)
    if ts:
        out.tables["otel_traces"] = pa.table({
            "Timestamp": pa.array(ts, _TS),
            "TraceId": trace_ids,
            "SpanId": span_ids,
            "ParentSpanId": parents,
            "TraceState": states,
            "SpanName": names,
            "SpanKind": kinds,
            "ServiceName": services,
            "ResourceAttributes": resources.to_arrow(),
            "ScopeName": scope_names,
            "ScopeVersion": scope_versions,
            "SpanAttributes": attributes.to_arrow(),
            "Duration": pa.array(durations, pa.uint64()),
            "StatusCode": status_codes,
            "StatusMessage": status_messages,
            "Events.Timestamp": pa.array(ev_ts, pa.list_(_TS)),
            "Events.Name": pa.array(ev_names, pa.list_(pa.string())),
            "Events.Attributes": pa.array(ev_attrs, _EVENT_ATTRS),
            "Links.TraceId": pa.array(ln_trace, pa.list_(pa.string())),
            "Links.SpanId": pa.array(ln_span, pa.list_(pa.string())),
            "Links.TraceState": pa.array(ln_state, pa.list_(pa.string())),
            "Links.Attributes": pa.array(ln_attrs, _EVENT_ATTRS),
        })
    return out
