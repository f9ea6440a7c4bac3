"""Which project each feedback item belongs to (pure): the ingest key's, else the call's, else its own or default."""

from __future__ import annotations

import pytest

from collector.normalise.feedback import feedback_projects, parse_feedback
from store.errors import BadInput

TRACE, OTHER = "a" * 32, "b" * 32
# Trace TRACE has a call in support and a later one in billing; OTHER is not stored.
CALLS = [{"trace_id": TRACE, "span_id": "1" * 16, "project": "support"},
         {"trace_id": TRACE, "span_id": "2" * 16, "project": "billing"}]


def _items(*items: dict) -> list:
    return parse_feedback([{"value": 1, **item} for item in items])


def test_open_ingest_follows_the_call_then_the_item_then_default():
    items = _items({"trace_id": TRACE, "span_id": "2" * 16}, {"trace_id": TRACE},
                   {"trace_id": TRACE, "project": "billing"}, {"trace_id": OTHER, "project": "web"},
                   {"trace_id": OTHER}, {"trace_id": TRACE, "span_id": "3" * 16})
    assert feedback_projects(items, None, CALLS) == [
        ("billing", True),   # the span's call
        ("support", True),   # a trace-level item: the trace's first call
        ("billing", True),   # a trace-level item may name any project the trace has calls in
        ("web", False), ("default", False), ("default", False)]  # no call yet: its own project, else default


def test_with_a_key_the_key_s_project_wins():
    items = _items({"trace_id": TRACE, "span_id": "1" * 16}, {"trace_id": OTHER, "project": "acme"})
    assert feedback_projects(items, "acme", CALLS) == [("acme", False), ("acme", False)]


@pytest.mark.parametrize("key, item, message", [
    ("acme", {"trace_id": OTHER, "project": "support"}, "project 'support' is not the ingest key's project 'acme'"),
    (None, {"trace_id": TRACE, "span_id": "1" * 16, "project": "billing"},
     "project 'billing', but the call it names is in project 'support'"),
    (None, {"trace_id": TRACE, "project": "web"}, "but its trace's calls are in project 'support' or 'billing'"),
])
def test_a_project_that_contradicts_the_key_or_the_call_is_refused(key, item, message):
    with pytest.raises(BadInput, match=message):
        feedback_projects(_items(item), key, CALLS)
