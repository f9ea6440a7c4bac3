"""OTLP/gRPC: the three Export services on one server, gzip accepted, OTLP status codes.

gRPC decodes (and decompresses) the message itself and enforces the message size limit
with RESOURCE_EXHAUSTED, which is what OTLP asks for an oversized request. Throttling is
UNAVAILABLE with a `RetryInfo` detail, which the OpenTelemetry exporters honour.
"""

from __future__ import annotations

import logging

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from collector.auth import IngestKeys
from collector.pipeline import SIGNALS, Pipeline
from collector.status import status_for

log = logging.getLogger(__name__)


def _exporter(pipeline: Pipeline, keys: IngestKeys, signal_name: str, retry_after: int):
    signal = SIGNALS[signal_name]

    async def export(request, context: grpc.aio.ServicerContext):
        try:
            metadata = dict(context.invocation_metadata() or ())
            project = keys.project_for(metadata.get("authorization"))
            return await pipeline.export(signal, request, project)
        except Exception as exc:  # every failure becomes a gRPC status; see collector/status.py
            status = status_for(exc, retry_after)
            if status.http == 500:
                log.exception("otlp_grpc signal=%s failed", signal_name)
            detail = status_pb2.Status(code=status.grpc.value[0], message=str(exc))
            if status.retry_after:
                retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=status.retry_after))
                detail.details.add().Pack(retry)
            await context.abort_with_status(rpc_status.to_status(detail))

    return export


def build_server(pipeline: Pipeline, keys: IngestKeys, address: str, max_message_bytes: int = 64 << 20,
                 retry_after: int = 1) -> tuple[grpc.aio.Server, int]:
    """A started-later gRPC server bound to `address`; returns it and the bound port."""
    server = grpc.aio.server(options=[
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", 4 << 20),
    ])
    for servicer_class, add, name in (
        (trace_service_pb2_grpc.TraceServiceServicer, trace_service_pb2_grpc.add_TraceServiceServicer_to_server,
         "traces"),
        (metrics_service_pb2_grpc.MetricsServiceServicer,
         metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server, "metrics"),
        (logs_service_pb2_grpc.LogsServiceServicer, logs_service_pb2_grpc.add_LogsServiceServicer_to_server, "logs"),
    ):
        servicer = servicer_class()
        servicer.Export = _exporter(pipeline, keys, name, retry_after)
        add(servicer, server)
    port = server.add_insecure_port(address)
    return server, port
