"""What-if, not used by Spyglass: how much faster could collector.traces.decode be in pure Python?

    .venv/bin/python bench/decode_whatif.py [--requests 80]

Times the current `collector.traces.decode` on the ingest benchmark's spans, breaks its cost
down (the attribute Map column alone; the floor of merely touching every key/value through
upb), and times a prototype with the same output (checked with Table.equals) that:
  - inlines the attribute loop (no MapColumn.append call per span, no as_string call for
    string and int values, which are ~90% of GenAI attributes);
  - builds the resource Map column by repeating the resource's key/value lists;
  - appends one shared empty list for spans without events or links instead of running
    six list comprehensions per span.
It keeps `span_problem` as is (the same validation per span).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import pyarrow as pa  # noqa: E402
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402

import ingest  # noqa: E402
from collector import traces  # noqa: E402
from collector.attributes import MapColumn, as_string, hex_id  # noqa: E402
from collector.signal import Decoded, resource_attributes  # noqa: E402

_EMPTY: list = []


def _map(offsets, keys, values) -> pa.Array:
    return pa.MapArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(keys, pa.string()),
                                   pa.array(values, pa.string()))


def prototype_decode(request: ExportTraceServiceRequest, project: str | None) -> Decoded:
    out = Decoded()
    ts, tids, sids, parents, states, names, kinds, services = [], [], [], [], [], [], [], []
    scope_names, scope_versions, durations, codes, messages = [], [], [], [], []
    keys, values, offsets = [], [], [0]
    rkeys, rvalues, roffsets = [], [], [0]
    ev_ts, ev_names, ev_attrs, l_trace, l_span, l_state, l_attrs = [], [], [], [], [], [], []
    span_kinds, status_codes, problem_of = traces.SPAN_KINDS, traces.STATUS_CODES, traces.span_problem
    for resource_spans in request.resource_spans:
        resource = resource_attributes(resource_spans.resource, project)
        rk, rv = list(resource), list(resource.values())
        service = resource.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            scope_name, scope_version = scope_spans.scope.name, scope_spans.scope.version
            for span in scope_spans.spans:
                problem = problem_of(span)
                if problem:
                    out.reject(problem)
                    continue
                start, end = span.start_time_unix_nano, span.end_time_unix_nano
                ts.append(start)
                tids.append(span.trace_id.hex())
                sids.append(span.span_id.hex())
                parents.append(hex_id(span.parent_span_id))
                states.append(span.trace_state)
                names.append(span.name)
                kind = span.kind
                kinds.append(span_kinds[kind] if 0 <= kind < len(span_kinds) else span_kinds[0])
                services.append(service)
                scope_names.append(scope_name)
                scope_versions.append(scope_version)
                for kv in span.attributes:
                    value = kv.value
                    which = value.WhichOneof("value")
                    keys.append(kv.key)
                    if which == "string_value":
                        values.append(value.string_value)
                    elif which == "int_value":
                        values.append(str(value.int_value))
                    else:
                        values.append(as_string(value))
                offsets.append(len(keys))
                rkeys += rk
                rvalues += rv
                roffsets.append(len(rkeys))
                durations.append(end - start if end > start else 0)
                code = span.status.code
                codes.append(status_codes[code] if 0 <= code < len(status_codes) else status_codes[0])
                messages.append(span.status.message)
                if span.events:
                    ev_ts.append([e.time_unix_nano for e in span.events])
                    ev_names.append([e.name for e in span.events])
                    ev_attrs.append([[(kv.key, as_string(kv.value)) for kv in e.attributes] for e in span.events])
                else:
                    ev_ts.append(_EMPTY)
                    ev_names.append(_EMPTY)
                    ev_attrs.append(_EMPTY)
                if span.links:
                    l_trace.append([hex_id(link.trace_id) for link in span.links])
                    l_span.append([hex_id(link.span_id) for link in span.links])
                    l_state.append([link.trace_state for link in span.links])
                    l_attrs.append([[(kv.key, as_string(kv.value)) for kv in link.attributes] for link in span.links])
                else:
                    l_trace.append(_EMPTY)
                    l_span.append(_EMPTY)
                    l_state.append(_EMPTY)
                    l_attrs.append(_EMPTY)
    out.accepted = len(ts)
    if ts:
        strings = pa.list_(pa.string())
        out.tables["otel_traces"] = pa.table({
            "Timestamp": pa.array(ts, traces._TS), "TraceId": tids, "SpanId": sids, "ParentSpanId": parents,
            "TraceState": states, "SpanName": names, "SpanKind": kinds, "ServiceName": services,
            "ResourceAttributes": _map(roffsets, rkeys, rvalues), "ScopeName": scope_names,
            "ScopeVersion": scope_versions, "SpanAttributes": _map(offsets, keys, values),
            "Duration": pa.array(durations, pa.uint64()), "StatusCode": codes, "StatusMessage": messages,
            "Events.Timestamp": pa.array(ev_ts, pa.list_(traces._TS)), "Events.Name": pa.array(ev_names, strings),
            "Events.Attributes": pa.array(ev_attrs, traces._EVENT_ATTRS),
            "Links.TraceId": pa.array(l_trace, strings), "Links.SpanId": pa.array(l_span, strings),
            "Links.TraceState": pa.array(l_state, strings), "Links.Attributes": pa.array(l_attrs, traces._EVENT_ATTRS),
        })
    return out


def _attributes_only(request, project):
    column = MapColumn()
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                column.append(span.attributes)
    column.to_arrow()


def _touch_only(request, project):
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                for kv in span.attributes:
                    kv.key, kv.value.WhichOneof("value")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    templates = [ingest.build_template(rng, 512, 0.03, time.time_ns()) for _ in range(8)]
    factory = ingest.Bodies(templates, 7)
    requests = [ExportTraceServiceRequest.FromString(factory.make(i)[0]) for i in range(args.requests)]
    spans = sum(len(s.spans) for r in requests for rs in r.resource_spans for s in rs.scope_spans)
    for request in requests[:8]:
        a = traces.decode(request, None).tables["otel_traces"]
        b = prototype_decode(request, None).tables["otel_traces"]
        if not a.equals(b):
            raise SystemExit("the prototype's output differs from collector.traces.decode; update the prototype")

    def rate(fn) -> float:
        fn(requests[0], None)
        best = 0.0
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for request in requests:
                fn(request, None)
            best = max(best, spans / (time.perf_counter() - t0))
        return best

    current = rate(traces.decode)
    rows = [("collector.traces.decode (current)", current),
            ("  its span attribute Map column alone (MapColumn.append + to_arrow)", rate(_attributes_only)),
            ("  floor: touching every attribute key and value kind through upb", rate(_touch_only))]
    proto = rate(prototype_decode)
    rows.append(("prototype (same output, checked)", proto))
    print(f"{spans:,} spans, best of {args.rounds} rounds\n")
    print("| decode | spans/s | us/span |\n|---|---|---|")
    for label, value in rows:
        print(f"| {label} | {value:,.0f} | {1e6 / value:.1f} |")
    print(f"\nprototype speed-up: {proto / current:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
