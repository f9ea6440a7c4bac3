"""`collector:` settings: OTLP request limits, the decode workers and the batching writer."""

from __future__ import annotations

import os

from pydantic import Field

from spyglass.config.section import Section


def default_decode_workers() -> int:
    """One per core up to four: decoding is GIL-bound Python, so it scales by processes."""
    cores = os.cpu_count() or 1
    return min(cores, 4) if cores > 1 else 0


class CollectorSettings(Section):
    max_body_bytes: int = Field(64 << 20, gt=0, description=(
        "Largest OTLP request body, after decompression; a larger one is refused with 413."))
    decode_workers: int = Field(default_factory=default_decode_workers, ge=0, le=64, description=(
        "Worker processes that decode OTLP requests (0: a thread of the service process)."),
        json_schema_extra={"shown_default": "one per core, up to 4 (0 on one core)"})
    batch_max_rows: int = Field(20_000, gt=0, description=(
        "Group commit: a batch is inserted when it has this many rows, or after batch_linger_ms."))
    batch_linger_ms: int = Field(50, ge=0, description=(
        "Group commit: how long a batch waits for more rows once the writer is free (unless it is full)."))
    queue_max_rows: int = Field(1_000_000, gt=0, description=(
        "Bound of the write queue in rows; above it requests get 503/UNAVAILABLE with Retry-After."))
    retry_after_seconds: int = Field(1, ge=1, description="The Retry-After a refused (throttled) request is given.")
