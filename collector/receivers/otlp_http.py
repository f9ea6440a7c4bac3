"""OTLP/HTTP: `POST /v1/traces`, `/v1/metrics`, `/v1/logs`, protobuf or JSON, optionally gzip.

Request in, status out: the body is read with a cap, decompressed with a cap, parsed in
its encoding, handed to the pipeline, and answered in the request's encoding after the
commit. Errors become `google.rpc.Status` bodies with the codes of collector/status.py.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from collector.auth import IngestKeys
from collector.decode import encoding
from collector.decode.encoding import TooLarge
from collector.pipeline import SIGNALS, Pipeline
from collector.status import Status, status_for

log = logging.getLogger(__name__)


async def _read_body(request: Request, limit: int) -> bytes:
    # Compressed data can exceed the decompressed limit only slightly; cap reading there.
    cap = limit + limit // 8 + 1024
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"request body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise TooLarge(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _error(signal: str, exc: Exception, status: Status, kind: str) -> Response:
    if status.http == 500:
        log.error("otlp_http signal=%s failed", signal, exc_info=exc)
    else:
        log.info("otlp_http signal=%s status=%d error=%s", signal, status.http, exc)
    headers = {"Retry-After": str(status.retry_after)} if status.retry_after else None
    message = str(exc) if status.http != 500 else "internal error"
    return Response(encoding.status_body(message, status.grpc.value[0], kind), status.http,
                    headers=headers, media_type=kind)


def build_app(pipeline: Pipeline, keys: IngestKeys, max_body_bytes: int = 64 << 20,
              retry_after: int = 1) -> Starlette:
    async def handle(request: Request) -> Response:
        signal = SIGNALS[request.url.path.rsplit("/", 1)[-1]]
        kind = encoding.JSON if "json" in request.headers.get("content-type", "") else encoding.PROTOBUF
        if request.method != "POST":
            return Response(f"{request.method} is not allowed; OTLP/HTTP uses POST", 405,
                            headers={"Allow": "POST"}, media_type="text/plain")
        with pipeline.observer.request(signal.name, "http") as observed:
            try:
                project = keys.project_for(request.headers.get("authorization"))
                kind = encoding.media_type(request.headers.get("content-type"))
                body = await _read_body(request, max_body_bytes)
                observed.bytes = len(body)
                response = await pipeline.export(signal, body, kind, request.headers.get("content-encoding"),
                                                 project)
            except Exception as exc:  # every failure becomes an OTLP status; see collector/status.py
                status = status_for(exc, retry_after)
                observed.failed(exc, status.http)
                return _error(signal.name, exc, status, kind)
        return Response(encoding.serialize(response, kind), 200, media_type=kind)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route(f"/v1/{name}", handle, methods=methods) for name in SIGNALS])
