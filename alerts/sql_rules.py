"""`sql:` rules: a ClickHouse query, run read-only, whose every row is one active alert instance.

The query gets two parameters, `{now:DateTime64(9)}` (the evaluation time) and
`{interval:UInt32}` (the evaluation interval in seconds). Its String columns are the instance's
labels, its numeric `value` column is the instance's value, any other column is evidence. The
query is wrapped as a subquery (`SELECT * FROM (...)`), so it can only be one SELECT, and runs
with `readonly = 1`, which also refuses table functions that reach files or the network. The
same wrapping answers `DESCRIBE`, which is how a rule file is checked without running the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.errors import QueryError
from store.params import time_param

SETTINGS = "SETTINGS readonly = 1, max_execution_time = 60"
_NUMERIC = re.compile(r"^(Nullable\()?(U?Int\d+|Float\d+|Decimal.*)\)?$")
_STRING = re.compile(r"^(Nullable\(|LowCardinality\()*(String|FixedString\(\d+\))\)*$")
_RESERVED = ("alertname", "severity")


@dataclass(frozen=True)
class Row:
    """One active instance found by a sql rule."""

    labels: dict[str, str]
    value: float
    evidence: dict[str, Any]


def _wrapped(sql: str) -> str:
    body = sql.strip().rstrip(";").rstrip()
    if not body:
        raise ValueError("the query is empty")
    return f"SELECT * FROM (\n{body}\n)"  # the newline ends a trailing -- comment


def _params(now: datetime, interval_seconds: int) -> dict[str, Any]:
    return {"now": time_param(now), "interval": int(interval_seconds)}


def columns(store: Store, sql: str) -> dict[str, str]:
    """The query's columns and their ClickHouse types, without running it; ValueError if it cannot be a rule."""
    query = f"DESCRIBE ({_wrapped(sql)}) {SETTINGS}"
    try:
        described = query_rows(store, query, _params(datetime(2000, 1, 1), 30))
    except QueryError as exc:
        raise ValueError(_first_line(str(exc), query.index("\n") + 1)) from None
    found = {row["name"]: row["type"] for row in described}
    if "value" not in found:
        raise ValueError(f"the query returns no `value` column (it returns {', '.join(found) or 'nothing'})")
    if not _NUMERIC.match(found["value"]):
        raise ValueError(f"the `value` column is {found['value']}, not a number")
    clash = [name for name in _RESERVED if name in found and _STRING.match(found[name])]
    if clash:
        raise ValueError(f"column {clash[0]} would be replaced by the rule's own {clash[0]}; rename it")
    return found


def probe(store: Store) -> Callable[[str], None]:
    """A SqlProbe for alerts/rules.py: checks one query against `store`."""

    def check(sql: str) -> None:
        columns(store, sql)

    return check


def _first_line(message: str, offset: int) -> str:
    """ClickHouse's message without its code and stack, with positions counted in the rule's own query (the
    wrapper puts `offset` characters before it, and one line)."""
    if "readonly mode" in message:
        return "the query writes, or reads files or the network through a table function; rule queries run read-only"
    text = message.split("DB::Exception:", 1)[-1].strip()
    text = text.split(". (", 1)[0].splitlines()[0] if text else message
    text = re.sub(r"position (\d+)", lambda m: f"position {max(int(m.group(1)) - offset, 0)}", text)
    return re.sub(r"\(line (\d+), col", lambda m: f"(line {int(m.group(1)) - 1}, col", text)


def _evidence(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def run(store: Store, sql: str, now: datetime, interval_seconds: int) -> list[Row]:
    """The active instances at `now`: one per row with a non-NULL value."""
    table = store.query_arrow(f"{_wrapped(sql)} {SETTINGS}", _params(now, interval_seconds))
    label_columns = [f.name for f in table.schema if f.name != "value" and _is_string(f.type)]
    rows = []
    for row in table.to_pylist():
        value = row.get("value")
        if value is None:
            continue
        labels = {name: "" if row[name] is None else str(row[name]) for name in label_columns}
        evidence = {k: _evidence(v) for k, v in row.items() if k != "value" and k not in labels}
        rows.append(Row(labels, float(value), evidence))
    return rows


def _is_string(arrow_type: pa.DataType) -> bool:
    base = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
    return pa.types.is_string(base) or pa.types.is_large_string(base) or pa.types.is_binary(base)
