"""A ClickHouse server or cluster through clickhouse-connect (HTTP interface).

The same SQL as the embedded backend. Each thread gets its own client so concurrent
queries never share a ClickHouse session (a session runs one query at a time).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import clickhouse_connect
import pyarrow as pa
from clickhouse_connect.driver.exceptions import ClickHouseError

from store.base import INSERT_SETTINGS, Params, quote_identifier
from store.classify import store_error
from store.errors import ConfigError, StoreUnavailable


class ServerStore:
    """A `store.Store` on a ClickHouse server at `url` (http[s]://user:password@host:port)."""

    def __init__(self, url: str, database: str = "spyglass", cluster: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"--clickhouse-url must be http(s)://[user:password@]host[:port], got {url!r}")
        self.url = url
        self.database = database
        self.cluster = cluster
        self._local = threading.local()
        self._clients: list = []
        self._lock = threading.Lock()
        self._closed = False
        on_cluster = f" ON CLUSTER {quote_identifier(cluster)}" if cluster else ""
        try:
            bootstrap = self._client(database="default")
            bootstrap.command(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}{on_cluster}")
        except Exception as exc:  # connection refused, auth, TLS: all mean "not reachable as configured"
            raise StoreUnavailable(f"cannot reach ClickHouse at {parts.hostname}: {exc}") from exc

    def _client(self, database: str | None = None):
        parts = urlsplit(self.url)
        client = clickhouse_connect.get_client(
            host=parts.hostname,
            port=parts.port or (8443 if parts.scheme == "https" else 8123),
            username=parts.username or "default",
            password=parts.password or "",
            secure=parts.scheme == "https",
            database=database or self.database,
            autogenerate_session_id=False,
        )
        with self._lock:
            self._clients.append(client)
        return client

    def _thread_client(self):
        if self._closed:
            raise StoreUnavailable("the store is closed")
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._client()
        return client

    def command(self, sql: str, params: Params = None) -> None:
        try:
            self._thread_client().command(sql, parameters=dict(params) if params else None)
        except ClickHouseError as exc:
            raise store_error(str(exc)) from exc

    def query_arrow(self, sql: str, params: Params = None) -> pa.Table:
        try:
            return self._thread_client().query_arrow(sql, parameters=dict(params) if params else None,
                                                     use_strings=True)
        except ClickHouseError as exc:
            raise store_error(str(exc)) from exc

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        try:
            self._thread_client().insert_arrow(table, data, settings=INSERT_SETTINGS)
        except ClickHouseError as exc:
            raise store_error(str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            self._closed = True
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()
