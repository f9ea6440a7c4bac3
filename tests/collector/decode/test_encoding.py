"""Encodings and bounded decompression, attribute strings as the exporter writes them, and a
fuzz of the decoders: any bytes either decode or raise BadInput, never anything else."""

from __future__ import annotations

import gzip
import json
import random
import zlib

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList

from collector.decode import encoding, logs, metrics, traces
from collector.decode.attributes import as_string
from collector.decode.encoding import TooLarge, UnsupportedMediaType
from store.errors import BadInput


@pytest.mark.parametrize("value, text", [
    (AnyValue(string_value="héllo"), "héllo"),
    (AnyValue(int_value=-42), "-42"),
    (AnyValue(bool_value=True), "true"),
    (AnyValue(double_value=0.5), "0.5"),
    (AnyValue(double_value=3.0), "3"),
    (AnyValue(double_value=1e21), "1e+21"),
    (AnyValue(bytes_value=b"\x00\x01"), "AAE="),
    (AnyValue(array_value=ArrayValue(values=[AnyValue(string_value="stop"), AnyValue(int_value=2)])), '["stop",2]'),
    (AnyValue(kvlist_value=KeyValueList(values=[KeyValue(key="a", value=AnyValue(bool_value=False))])),
     '{"a":false}'),
    (AnyValue(), ""),
])
def test_attribute_values_as_the_exporter_stores_them(value, text):
    assert as_string(value) == text


def test_media_types():
    assert encoding.media_type("application/json; charset=utf-8") == encoding.JSON
    assert encoding.media_type("Application/X-Protobuf") == encoding.PROTOBUF
    for bad in (None, "", "text/plain", "application/grpc"):
        with pytest.raises(UnsupportedMediaType):
            encoding.media_type(bad)


def test_decompression_is_bounded():
    assert encoding.decompress(gzip.compress(b"x" * 1000), "gzip", 1000) == b"x" * 1000
    assert encoding.decompress(zlib.compress(b"y" * 10), "deflate", 100) == b"y" * 10
    with pytest.raises(TooLarge):
        encoding.decompress(gzip.compress(b"\0" * (50 << 20)), "gzip", 1 << 20)
    with pytest.raises(TooLarge):
        encoding.decompress(b"z" * 101, None, 100)
    with pytest.raises(BadInput):
        encoding.decompress(gzip.compress(b"abc")[:-6], "gzip", 100)
    with pytest.raises(UnsupportedMediaType):
        encoding.decompress(b"", "br", 100)


def test_json_ids_are_hex_case_insensitive():
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "0AF7651916CD43DD8448EB211C80319C", "spanId": "b7ad6b7169203331", "name": "s"}]}]}]})
    request = encoding.parse(body.encode(), encoding.JSON, ExportTraceServiceRequest())
    span = request.resource_spans[0].scope_spans[0].spans[0]
    assert span.trace_id.hex() == "0af7651916cd43dd8448eb211c80319c" and span.span_id.hex() == "b7ad6b7169203331"


DECODERS = [
    (ExportTraceServiceRequest, traces.decode),
    (ExportMetricsServiceRequest, metrics.decode),
    (ExportLogsServiceRequest, logs.decode),
]


def _seed_message(kind) -> bytes:
    sample = {
        ExportTraceServiceRequest: '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":'
                                   '{"stringValue":"s"}}]},"scopeSpans":[{"spans":[{"traceId":"01010101010101010101'
                                   '010101010101","spanId":"0202020202020202","name":"chat","attributes":[{"key":'
                                   '"gen_ai.usage.input_tokens","value":{"intValue":"3"}}],"events":[{"name":"e"}]}]}]}]}',
        ExportMetricsServiceRequest: '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":'
                                     '{"dataPoints":[{"asDouble":1.5}]}},{"name":"h","histogram":{"dataPoints":'
                                     '[{"count":"2","bucketCounts":["1","1"],"explicitBounds":[1.0]}]}}]}]}]}',
        ExportLogsServiceRequest: '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":9,'
                                  '"body":{"stringValue":"hi"}}]}]}]}',
    }[kind]
    return encoding.parse(sample.encode(), encoding.JSON, kind()).SerializeToString()


def _items(message) -> int:
    """Spans, log records, or metric data points (a metric without data counts as one refused item)."""
    if isinstance(message, ExportTraceServiceRequest):
        return sum(len(s.spans) for r in message.resource_spans for s in r.scope_spans)
    if isinstance(message, ExportLogsServiceRequest):
        return sum(len(s.log_records) for r in message.resource_logs for s in r.scope_logs)
    return sum(len(getattr(m, m.WhichOneof("data")).data_points) if m.WhichOneof("data") else 1
               for r in message.resource_metrics for s in r.scope_metrics for m in s.metrics)


@pytest.mark.parametrize("kind, decode", DECODERS, ids=["traces", "metrics", "logs"])
def test_fuzz_decoders_never_fail_with_anything_but_bad_input(kind, decode):
    rng = random.Random(20261121)
    seed = _seed_message(kind)
    outcomes = {"decoded": 0, "refused": 0}
    for _ in range(3000):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.5:
                data[position] = rng.randrange(256)
            elif choice < 0.75:
                del data[position]
            else:
                data.insert(position, rng.randrange(256))
        try:
            message = encoding.parse(bytes(data), encoding.PROTOBUF, kind())
            decoded = decode(message, None)
        except BadInput:
            outcomes["refused"] += 1
            continue
        # every item is either stored or counted as refused, and each stored item is one row
        assert decoded.accepted + decoded.rejected == _items(message)
        assert sum(rows.num_rows for table, rows in decoded.tables.items() if table != "gpu_samples") \
            == decoded.accepted
        outcomes["decoded"] += 1
    assert outcomes["decoded"] > 100 and outcomes["refused"] > 100, outcomes


def test_times_past_2262_are_refused_per_item_not_per_request():
    request = encoding.parse(_seed_message(ExportTraceServiceRequest), encoding.PROTOBUF, ExportTraceServiceRequest())
    spans = request.resource_spans[0].scope_spans[0].spans
    spans.add(trace_id=b"\x01" * 16, span_id=b"\x03" * 8, name="future", start_time_unix_nano=2**64 - 1)
    decoded = traces.decode(request, None)
    assert (decoded.accepted, decoded.rejected) == (1, 1) and "2262" in decoded.error_message
