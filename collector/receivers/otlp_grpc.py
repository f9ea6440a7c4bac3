"""OTLP/gRPC: the three Export services on one server, gzip accepted, OTLP status codes.

Handlers take the raw request bytes and parse them with the same decoder as OTLP/HTTP,
so undecodable data is INVALID_ARGUMENT (HTTP 400's twin) rather than gRPC's generic
INTERNAL. gRPC itself decompresses and enforces the message size limit with
RESOURCE_EXHAUSTED, which is what OTLP asks for an oversized request. Throttling is
UNAVAILABLE with a `RetryInfo` detail, which the OpenTelemetry exporters honour.
"""

from __future__ import annotations

import logging

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from collector.auth import IngestKeys
from collector.decode import encoding
from collector.pipeline import SIGNALS, Pipeline, Signal
from collector.status import Status, status_for

log = logging.getLogger(__name__)

SERVICES = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
}


def _exporter(pipeline: Pipeline, keys: IngestKeys, signal: Signal, retry_after: int):
    async def export(body: bytes, context: grpc.aio.ServicerContext) -> bytes | None:
        with pipeline.observer.request(signal.name, "grpc") as observed:
            observed.bytes = len(body)  # as gRPC hands it over: decompressed
            try:
                metadata = dict(context.invocation_metadata() or ())
                project = keys.project_for(metadata.get("authorization"))
                response = await pipeline.export(signal, body, encoding.PROTOBUF, None, project)
                return response.SerializeToString()
            except Exception as exc:  # every failure becomes a gRPC status; see collector/status.py
                status = status_for(exc, retry_after)
                observed.failed(exc, status.http)
                error = exc  # aborting raises: outside the span, so a refusal is not recorded as our exception
        await _abort(context, signal.name, error, status)
        return None

    return export


async def _abort(context: grpc.aio.ServicerContext, signal: str, exc: Exception, status: Status) -> None:
    if status.http == 500:
        log.error("otlp_grpc signal=%s failed", signal, exc_info=exc)
    else:
        log.info("otlp_grpc signal=%s status=%s error=%s", signal, status.grpc.name, exc)
    detail = status_pb2.Status(code=status.grpc.value[0], message=str(exc))
    if status.retry_after:
        retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=status.retry_after))
        detail.details.add().Pack(retry)
    await context.abort_with_status(rpc_status.to_status(detail))  # raises: the call ends here


def build_server(pipeline: Pipeline, keys: IngestKeys, address: str, max_message_bytes: int = 64 << 20,
                 retry_after: int = 1) -> tuple[grpc.aio.Server, int]:
    """A gRPC server bound to `address` (not yet started); returns it and the bound port (0 if it failed)."""
    server = grpc.aio.server(options=[
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", 4 << 20),
    ])
    for name, service in SERVICES.items():
        handler = grpc.unary_unary_rpc_method_handler(_exporter(pipeline, keys, SIGNALS[name], retry_after))
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {"Export": handler}),))
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:
        port = 0
    return server, port
