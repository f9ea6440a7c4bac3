"""OTLP/gRPC statuses for bad input, and metrics and logs from the real SDK over both transports."""

from __future__ import annotations

import threading

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from opentelemetry._logs import SeverityNumber
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from tests.helpers.otel_clients import logger_provider, meter_provider
from tests.helpers.wait import eventually

EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def _request(*span_ids: bytes) -> bytes:
    spans = [Span(trace_id=b"\x01" * 16, span_id=sid, name="chat m", start_time_unix_nano=1,
                  end_time_unix_nano=2) for sid in span_ids]
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])]
                                     ).SerializeToString()


def _call(service, body: bytes, metadata=()) -> bytes:
    with grpc.insecure_channel(service.otlp_grpc) as channel:
        return channel.unary_unary(EXPORT)(body, metadata=metadata, timeout=30)


def _error(service, body: bytes, metadata=()) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        _call(service, body, metadata)
    return caught.value


def test_undecodable_message_is_invalid_argument(service):
    error = _error(service, b"\x0a\xff\xff\xff\xff\x0f")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert service.count("otel_traces") == 0 and service.ready()


def test_partial_success_over_grpc(service):
    response = ExportTraceServiceResponse.FromString(_call(service, _request(b"\x02" * 8, b"\x03" * 3)))
    assert response.partial_success.rejected_spans == 1
    assert service.count("otel_traces") == 1


def test_keys_over_grpc(service_factory):
    service = service_factory(ingest_keys={"k1": "p1"})
    assert _error(service, _request(b"\x02" * 8)).code() == grpc.StatusCode.UNAUTHENTICATED
    assert _error(service, _request(b"\x02" * 8), [("authorization", "Bearer nope")]).code() == \
        grpc.StatusCode.UNAUTHENTICATED
    assert service.count("otel_traces") == 0
    _call(service, _request(b"\x02" * 8), [("authorization", "Bearer k1")])
    assert service.rows("SELECT ResourceAttributes['spyglass.project'] AS p FROM otel_traces") == [{"p": "p1"}]


def test_oversized_message_is_resource_exhausted(service_factory):
    service = service_factory(collector={"max_body_bytes": 4096})
    big = _request(*[bytes([i % 250 + 1]) * 8 for i in range(200)])
    assert len(big) > 4096
    assert _error(service, big).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert service.count("otel_traces") == 0 and service.ready()


def test_full_queue_is_unavailable_with_retry_info(service_factory):
    service = service_factory(collector={"queue_max_rows": 1, "batch_linger_ms": 1500, "retry_after_seconds": 2})
    first = threading.Thread(target=_call, args=(service, _request(b"\x02" * 8)))
    first.start()
    eventually(lambda: service.service.batcher.queued_rows, timeout=5, interval=0.01, what="rows queued")
    error = _error(service, _request(b"\x03" * 8))
    first.join()
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    status = rpc_status.from_call(error)
    retry = error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(retry) and retry.retry_delay.seconds == 2
    assert service.count("otel_traces") == 1


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_sdk_metrics_reach_their_tables(protocol, service):
    provider = meter_provider(protocol, service, {"host.name": "node-1"})
    meter = provider.get_meter("gpu")
    meter.create_counter("hw.energy", unit="J").add(1500, {"hw.id": "GPU-0", "hw.type": "gpu"})
    meter.create_histogram("gen_ai.client.operation.duration", unit="s").record(0.42, {"gen_ai.request.model": "m"})
    meter.create_gauge("hw.gpu.utilization", unit="1").set(0.8, {"hw.id": "GPU-0"})
    provider.shutdown()
    assert service.rows("SELECT MetricName, Value, MetricUnit, Attributes['hw.id'] AS gpu, "
                        "ResourceAttributes['host.name'] AS host FROM otel_metrics_sum") == [
        {"MetricName": "hw.energy", "Value": 1500.0, "MetricUnit": "J", "gpu": "GPU-0", "host": "node-1"}]
    assert service.rows("SELECT Count, Sum FROM otel_metrics_histogram") == [{"Count": 1, "Sum": 0.42}]
    assert service.rows("SELECT Value FROM otel_metrics_gauge WHERE MetricName = 'hw.gpu.utilization'") == [
        {"Value": 0.8}]


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_sdk_logs_reach_otel_logs(protocol, service):
    provider = logger_provider(protocol, service)
    provider.get_logger("app").emit(body="model refused: policy", severity_number=SeverityNumber.WARN,
                                    severity_text="WARN", event_name="gen_ai.client.operation.exception",
                                    attributes={"error.type": "refusal"})
    provider.shutdown()
    rows = service.rows("SELECT Body, SeverityText, SeverityNumber, ServiceName, EventName, "
                        "LogAttributes['error.type'] AS error FROM otel_logs")
    assert rows == [{"Body": "model refused: policy", "SeverityText": "WARN", "SeverityNumber": 13,
                     "ServiceName": "chat-api", "EventName": "gen_ai.client.operation.exception",
                     "error": "refusal"}]
