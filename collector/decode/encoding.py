"""OTLP's two encodings (binary protobuf, JSON) behind one interface, and bounded gzip.

OTLP/JSON deviates from proto3 JSON: trace and span ids are hex, not base64. We rewrite
them to base64 before `json_format` parses the message; a malformed hex id becomes an id
of the wrong length, so that one item is refused (partial success) rather than the
whole request.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2

from store.errors import BadInput

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
CONTENT_TYPES = (PROTOBUF, JSON)

_ID_KEYS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"})
_MALFORMED_ID = base64.b64encode(b"\xff").decode()


class TooLarge(BadInput):
    """The body, once decompressed, exceeds the configured limit (HTTP 413)."""


class UnsupportedMediaType(BadInput):
    """Neither protobuf nor JSON (HTTP 415)."""


def media_type(content_type: str | None) -> str:
    """The request's encoding from its Content-Type header (parameters ignored)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in CONTENT_TYPES:
        raise UnsupportedMediaType(f"unsupported media type {kind or '(none)'!r}, supported: "
                                   f"[{JSON}, {PROTOBUF}]")
    return kind


def decompress(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """Undo Content-Encoding, refusing to produce more than `limit` bytes (a gzip bomb is a 413)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity", "none"):
        if len(body) > limit:
            raise TooLarge(f"request body of {len(body)} bytes exceeds the limit of {limit} bytes")
        return body
    if encoding not in ("gzip", "deflate"):
        raise UnsupportedMediaType(f"unsupported Content-Encoding {encoding!r}, supported: gzip, deflate")
    inflater = zlib.decompressobj(wbits=47 if encoding == "gzip" else 15)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadInput(f"body is not valid {encoding}: {exc}") from exc
    if len(data) > limit:
        raise TooLarge(f"decompressed request body exceeds the limit of {limit} bytes")
    if not inflater.eof:
        raise BadInput(f"body is truncated {encoding}")
    return data


def _hex_ids_to_base64(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_KEYS and isinstance(value, str):
                try:
                    node[key] = base64.b64encode(bytes.fromhex(value)).decode()
                except ValueError:
                    node[key] = _MALFORMED_ID
            else:
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)
    return node


def parse(data: bytes, kind: str, message: Message) -> Message:
    """Fill `message` from the body in its encoding; undecodable input is BadInput (HTTP 400)."""
    try:
        if kind == PROTOBUF:
            message.ParseFromString(data)
        else:
            document = json.loads(data) if data.strip() else {}
            if not isinstance(document, dict):
                raise BadInput("OTLP/JSON body must be a JSON object")
            json_format.ParseDict(_hex_ids_to_base64(document), message, ignore_unknown_fields=True)
    except (DecodeError, json_format.ParseError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadInput(f"cannot decode {kind} body: {exc}") from exc
    return message


def serialize(message: Message, kind: str) -> bytes:
    """A response message in the request's encoding."""
    if kind == PROTOBUF:
        return message.SerializeToString()
    return json_format.MessageToJson(message, indent=None).encode()


def status_body(message: str, code: int, kind: str) -> bytes:
    """A failure body: `google.rpc.Status` in the request's encoding (OTLP/HTTP spec)."""
    return serialize(status_pb2.Status(code=code, message=message), kind)
