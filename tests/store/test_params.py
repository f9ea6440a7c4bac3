"""Query parameters reach SQL as the exact values given, whatever characters they hold."""

from __future__ import annotations

import pytest

from store import query_rows

AWKWARD = ["back\\slash", "line\nbreak", "tab\there", "quote'and\"double", "C:\\path\\n", "emoji ✓", "", "\\N"]


@pytest.mark.parametrize("value", AWKWARD)
def test_string_parameters_round_trip(store, value):
    assert query_rows(store, "SELECT {v:String} AS v", {"v": value}) == [{"v": value}]


def test_array_parameters_round_trip(store):
    assert query_rows(store, "SELECT {v:Array(String)} AS v", {"v": AWKWARD}) == [{"v": AWKWARD}]
