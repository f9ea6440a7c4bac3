"""The real Service in the test process, on its own event-loop thread and free ports."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx

from spyglass.config import Settings
from spyglass.service import Service, endpoints
from store import Store, query_rows
from tests.helpers.service_process import free_port
from tests.helpers.stores import KEEP_EVERYTHING, migrated_database


class RunningService:
    """The real Service on its own event loop thread, on free ports."""

    def __init__(self, settings: Settings, **parts: Any) -> None:
        """`parts` are Service fields besides the settings (alerting's detectors and outbox)."""
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="service-loop", daemon=True)
        self.thread.start()
        self.service = Service(settings, **parts)
        try:
            asyncio.run_coroutine_threadsafe(self.service.start(), self.loop).result(120)
        except BaseException:  # the service stopped itself; its loop goes too
            self._end_loop()
            raise

    @property
    def store(self) -> Store:
        assert self.service.store is not None
        return self.service.store

    @property
    def otlp_http(self) -> str:
        return endpoints(self.settings)["OTLP/HTTP"]

    @property
    def otlp_grpc(self) -> str:
        return endpoints(self.settings)["OTLP/gRPC"]

    @property
    def api(self) -> str:
        return endpoints(self.settings)["API"]

    def rows(self, sql: str, params: dict | None = None) -> list[dict]:
        return query_rows(self.store, sql, params)

    def count(self, table: str) -> int:
        final = " FINAL" if table == "llm_calls" else ""
        return self.rows(f"SELECT count() AS n FROM {table}{final}")[0]["n"]

    def ready(self) -> bool:
        return httpx.get(f"{self.api}/readyz", timeout=5).status_code == 200

    def stop(self) -> None:
        """Drain and stop the service (once; a test may stop it before the fixture does)."""
        if not self.thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.service.stop(), self.loop).result(120)
        self._end_loop()

    def _end_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def make_settings(backend: str, chdb_dir: Path, **overrides) -> Settings:
    """Settings for a test service; `overrides` nest by section and merge into the test defaults, so
    `costs={"interval_seconds": 2}` keeps the other costs settings."""
    # In-process tests decode on a thread (no worker start-up per test); the worker pool has
    # tests of its own, and the subprocess services run with the default pool. Spyglass's own metrics and spans
    # stay out of the tables the tests count unless a test asks for them (tests/spyglass/test_self_traces.py).
    defaults = dict(otlp_http_port=free_port(), otlp_grpc_port=free_port(), api_port=free_port(), dashboard=False,
                    collector={"batch_linger_ms": 5, "decode_workers": 0},
                    telemetry={"metrics_interval_seconds": 3600, "ingest_trace_ratio": 0.0, "api_trace_ratio": 0.0,
                               "jobs_trace_ratio": 0.0}, retention=KEEP_EVERYTHING, **migrated_database(backend, chdb_dir))
    for name, value in overrides.items():
        both_sections = isinstance(value, dict) and isinstance(defaults.get(name), dict)
        defaults[name] = {**defaults[name], **value} if both_sections else value
    return Settings(**defaults)
