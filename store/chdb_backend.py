"""Embedded ClickHouse (chDB) in a data directory: the zero-configuration default.

chDB allows one engine per process, bound to one path, and one process per directory
(the second fails to lock it). Any number of connections to that path may run queries
in parallel from threads, so each thread gets its own connection; a streaming query
would otherwise occupy a shared one.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Mapping
from typing import Any

import chdb
import pyarrow as pa

from store.base import INSERT_SETTINGS, Params, quote_identifier
from store.classify import store_error
from store.errors import StoreUnavailable


def _literal(value: Any) -> str:
    """A parameter value inside an array, as ClickHouse's quoted text format reads it."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_literal(v) for v in value) + "]"
    return str(value)


_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"})


def _text_params(params: Mapping[str, Any]) -> dict[str, str]:
    """chDB passes parameters as text, which ClickHouse reads in its escaped format: a string's
    backslashes and line breaks are escaped, and arrays are written as ClickHouse literals."""
    return {name: _literal(value) if isinstance(value, (list, tuple))
            else value.translate(_ESCAPES) if isinstance(value, str) else str(value)
            for name, value in params.items()}


def _held_by_another_process(path: str) -> bool:
    """Whether another process's embedded ClickHouse holds `path` (it flocks `status`; chDB itself only says
    "Error initializing EmbeddedServer"). A lock held by this process is ours: connecting again is fine."""
    status = os.path.join(path, "status")
    if not os.path.exists(status):
        return False
    with open(status, "rb") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return not _ours(status, probe.fileno())
        fcntl.flock(probe, fcntl.LOCK_UN)
    return False


def _ours(status: str, probe: int) -> bool:
    """This process already runs the embedded engine on this directory: it has `status` open besides our probe
    (flock locks belong to an open file, so our own engine's lock blocks the probe too)."""
    target = os.path.realpath(status)
    return any(int(fd) != probe and os.path.realpath(os.path.join("/proc/self/fd", fd)) == target
               for fd in os.listdir("/proc/self/fd"))


class ChdbStore:
    """A `store.Store` backed by chDB in `path`, using `database` as the current database."""

    def __init__(self, path: str, database: str = "spyglass") -> None:
        self.path = os.path.abspath(path)
        self.database = database
        self.cluster: str | None = None
        os.makedirs(self.path, exist_ok=True)
        self._local = threading.local()
        self._all: list[chdb.state.sqlitelike.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        if _held_by_another_process(self.path):
            raise StoreUnavailable(f"another Spyglass is using {self.path} (one process per data directory; "
                                   "stop it, or give this one another --data-dir)")
        try:
            bootstrap = chdb.connect(self.path)
        except Exception as exc:  # chDB raises bare RuntimeErrors for lock and path problems
            raise StoreUnavailable(f"cannot open the data directory {self.path}: {exc}") from exc
        with self._lock:
            self._all.append(bootstrap)
        bootstrap.query(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")

    def _conn(self) -> chdb.state.sqlitelike.Connection:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = chdb.connect(f"{self.path}?database={self.database}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def command(self, sql: str, params: Params = None) -> None:
        self._run(sql, "CSV", params)

    def query_arrow(self, sql: str, params: Params = None) -> pa.Table:
        return self._run(sql, "ArrowTable", params)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        columns = ", ".join(quote_identifier(name) for name in data.column_names)
        settings = ", ".join(f"{k} = {v}" for k, v in INSERT_SETTINGS.items())
        sql = f"INSERT INTO {quote_identifier(table)} ({columns}) SETTINGS {settings} SELECT * FROM Python(rows)"
        self._run(sql, "CSV", None, rows=data)

    def _run(self, sql: str, fmt: str, params: Params, rows: pa.Table | None = None):
        # `rows` is read by name, from this frame, by chDB's Python() table function.
        try:
            return self._conn().query(sql, fmt, params=_text_params(params) if params else None)
        except RuntimeError as exc:  # chDB's errors (two ChdbError classes) are RuntimeErrors
            raise store_error(str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # closing twice or a dead connection must not stop shutdown
                pass
