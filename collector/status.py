"""One place that maps our errors to OTLP/HTTP status codes and gRPC status codes.

As the OTLP specification says: bad data is 400/INVALID_ARGUMENT (never retried); an
oversized body 413/RESOURCE_EXHAUSTED; missing or wrong keys 401/UNAUTHENTICATED; a full
queue or a failed commit 503/UNAVAILABLE with a retry delay, which clients retry.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from collector.decode.encoding import TooLarge, UnsupportedMediaType
from store.errors import BadInput, StoreUnavailable, Unauthorized


@dataclass(frozen=True)
class Status:
    http: int
    grpc: grpc.StatusCode
    retry_after: int | None = None


def status_for(error: BaseException, retry_after: int = 1) -> Status:
    if isinstance(error, TooLarge):
        return Status(413, grpc.StatusCode.RESOURCE_EXHAUSTED)
    if isinstance(error, UnsupportedMediaType):
        return Status(415, grpc.StatusCode.INVALID_ARGUMENT)
    if isinstance(error, BadInput):
        return Status(400, grpc.StatusCode.INVALID_ARGUMENT)
    if isinstance(error, Unauthorized):
        return Status(401, grpc.StatusCode.UNAUTHENTICATED)
    if isinstance(error, StoreUnavailable):
        return Status(503, grpc.StatusCode.UNAVAILABLE, retry_after)
    return Status(500, grpc.StatusCode.INTERNAL)
