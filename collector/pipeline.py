"""The signal-independent path of one OTLP request: decode → normalise → batch → durable.

Transports (collector/http_receiver.py, collector/grpc_receiver.py) parse their wire
format into the request message, call `Pipeline.export`, await the commit, and answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as logs_pb
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as metrics_pb
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb

from collector import logs, metrics, traces
from collector.batcher import Batcher
from collector.signal import Decoded


@dataclass(frozen=True)
class Signal:
    name: str
    request: type[Message]
    response: type[Message]
    decode: Callable[[Message, str | None], Decoded]
    rejected_field: str


SIGNALS: dict[str, Signal] = {
    "traces": Signal("traces", trace_pb.ExportTraceServiceRequest, trace_pb.ExportTraceServiceResponse,
                     traces.decode, "rejected_spans"),
    "metrics": Signal("metrics", metrics_pb.ExportMetricsServiceRequest, metrics_pb.ExportMetricsServiceResponse,
                      metrics.decode, "rejected_data_points"),
    "logs": Signal("logs", logs_pb.ExportLogsServiceRequest, logs_pb.ExportLogsServiceResponse,
                   logs.decode, "rejected_log_records"),
}


class Pipeline:
    def __init__(self, batcher: Batcher) -> None:
        self.batcher = batcher

    async def export(self, signal: Signal, request: Message, project: str | None) -> Message:
        """Store a request's items; returns the response once they are committed.

        Raises QueueFull/StoreUnavailable (retryable) when they could not be committed.
        """
        decoded = await asyncio.to_thread(signal.decode, request, project)
        await asyncio.wrap_future(self.batcher.submit(decoded.tables))
        response = signal.response()
        if decoded.rejected:
            partial = response.partial_success
            setattr(partial, signal.rejected_field, decoded.rejected)
            partial.error_message = decoded.error_message
        return response
