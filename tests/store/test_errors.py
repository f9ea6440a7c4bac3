"""A broken statement is a QueryError (do not retry); a store that cannot answer is StoreUnavailable."""

from __future__ import annotations

import pytest

from store import QueryError, StoreUnavailable, open_store
from store.classify import store_error


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT no_such_column FROM system.one", "SELECT * FROM no_such_table",
                                 "SELECT toDate({d:String})", "SELECT {missing:String}"])
def test_a_broken_statement_is_a_query_error(store, sql):
    with pytest.raises(QueryError):
        store.query_arrow(sql, {"d": "not a date"} if "{d:" in sql else None)


def test_a_closed_store_is_unavailable(chdb_dir):
    opened = open_store(str(chdb_dir), None, "default")
    opened.query_arrow("SELECT 1")  # this thread's connection exists, then goes with the store
    opened.close()
    with pytest.raises(StoreUnavailable):
        opened.query_arrow("SELECT 1")


@pytest.mark.parametrize("message, kind", [
    ("Code: 241. DB::Exception: Memory limit (total) exceeded", StoreUnavailable),
    ("Code: 159. DB::Exception: Timeout exceeded: elapsed 30 seconds", StoreUnavailable),
    ("HTTPDriver for http://ch:8123 received ClickHouse error code 210 Connection refused", StoreUnavailable),
    ("Code: 62. DB::Exception: Syntax error: failed at position 1", QueryError),
    ("Code: 47. DB::Exception: Unknown expression identifier `x`", QueryError),
])
def test_messages_are_classified_by_clickhouse_code(message, kind):
    assert type(store_error(message)) is kind
