"""OTLP attribute values as the exporter stores them, and the Arrow columns that hold them.

The OpenTelemetry Collector's ClickHouse exporter stores every attribute as the string
pdata's `Value.AsString()` gives: strings as-is, integers in decimal, booleans
`true`/`false`, doubles as JavaScript numbers, bytes in base64, arrays and maps as compact
JSON. We copy that exactly, so SQL written for the exporter's tables works on ours.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

MAP_TYPE = pa.map_(pa.string(), pa.string())


def _number(value: float) -> str:
    """A double the way ECMAScript (and so pdata) prints it."""
    if math.isnan(value) or math.isinf(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    return text.replace("e-0", "e-").replace("e+0", "e+") if "e" in text else text


def _raw(value: Any) -> Any:
    """An AnyValue as a plain Python value (for JSON of arrays and maps)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_raw(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _raw(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def as_string(value: Any) -> str:
    """`AnyValue` → the exporter's string form."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return str(value.int_value)
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    if kind == "double_value":
        return _number(value.double_value)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    if kind in ("array_value", "kvlist_value"):
        return json.dumps(_raw(value), separators=(",", ":"), ensure_ascii=False, default=str)
    return ""


class MapColumn:
    """Builds a `Map(String, String)` Arrow column from OTLP KeyValue lists, row by row."""

    def __init__(self) -> None:
        self.offsets = [0]
        self.keys: list[str] = []
        self.values: list[str] = []

    def append(self, attributes: Iterable[Any]) -> None:
        """Append one row from a KeyValue list (the hot path of every decoder)."""
        keys, values = self.keys, self.values
        for kv in attributes:
            value = kv.value
            kind = value.WhichOneof("value")
            keys.append(kv.key)
            # Strings and integers are nearly all GenAI attributes: convert them inline.
            if kind == "string_value":
                values.append(value.string_value)
            elif kind == "int_value":
                values.append(str(value.int_value))
            else:
                values.append(as_string(value))
        self.offsets.append(len(keys))

    def append_dict(self, entries: dict[str, str]) -> None:
        self.keys.extend(entries)
        self.values.extend(entries.values())
        self.offsets.append(len(self.keys))

    def to_arrow(self) -> pa.Array:
        return pa.MapArray.from_arrays(pa.array(self.offsets, pa.int32()), pa.array(self.keys, pa.string()),
                                       pa.array(self.values, pa.string()))


class AttributeSets:
    """The distinct attribute lists of one request, each decoded once and numbered in order of first sight.

    Why: reading protobuf fields is the cost of a decode, and attribute lists repeat (the same
    GPU's identity is on every metric of a request), so whatever is derived from a list (its
    map column, its dict, a GPU's identity) is derived once per distinct list, not per point.

    The lookup key is the list read as (key, `string_value`) pairs: exact when every value is
    a non-empty string, since any other AnyValue reads as "". A list with an empty reading is
    ambiguous under that key, so it is decoded exactly every time and numbered by its exact
    pairs; equal lists of different value types never share a number.
    """

    _AMBIGUOUS = -1

    def __init__(self) -> None:
        self._numbers: dict[tuple, int] = {}
        self.pairs: list[tuple[tuple[str, str], ...]] = []
        self._dicts: dict[int, dict[str, str]] = {}

    def number(self, attributes: Iterable[Any]) -> int:
        """The number of this KeyValue list's set (the hot path of the metric decoder)."""
        read = tuple([(kv.key, kv.value.string_value) for kv in attributes])
        number = self._numbers.get(read)
        if number is None or number == self._AMBIGUOUS:
            return self._new(read, attributes)
        return number

    def _new(self, read: tuple, attributes: Iterable[Any]) -> int:
        if all(value for _, value in read):
            return self._intern(read, read)
        self._numbers[read] = self._AMBIGUOUS
        exact = tuple([(kv.key, as_string(kv.value)) for kv in attributes])
        return self._intern((None, exact), exact)  # None: never the first item of a read key

    def _intern(self, key: tuple, pairs: tuple[tuple[str, str], ...]) -> int:
        number = self._numbers.get(key)
        if number is None:
            number = self._numbers[key] = len(self.pairs)
            self.pairs.append(pairs)
        return number

    def as_dict(self, number: int) -> dict[str, str]:
        """Set `number` as a dict (the last of repeated keys wins, as in `attribute_dict`)."""
        found = self._dicts.get(number)
        if found is None:
            found = self._dicts[number] = dict(self.pairs[number])
        return found

    def to_arrow(self) -> pa.Array:
        """One map per set, in number order, keys in their sent order (repeats kept, as `MapColumn`)."""
        column = MapColumn()
        for pairs in self.pairs:
            column.keys.extend([key for key, _ in pairs])
            column.values.extend([value for _, value in pairs])
            column.offsets.append(len(column.keys))
        return column.to_arrow()


def attribute_dict(attributes: Iterable[Any]) -> dict[str, str]:
    return {kv.key: as_string(kv.value) for kv in attributes}


def hex_id(raw: bytes) -> str:
    """An id as the exporter writes it: lower-case hex, and "" for an empty or all-zero id."""
    return raw.hex() if raw.strip(b"\x00") else ""
