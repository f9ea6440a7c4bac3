"""The waterfall order of a trace's spans: parents before children, siblings by start then span id; a span whose
parent is missing drawn as a root; a parent cycle in malformed data neither loops nor loses a span."""

from __future__ import annotations

from spyglass.api.waterfall import waterfall


def span(span_id: str, parent: str, start: int) -> dict:
    return {"span_id": span_id, "parent_span_id": parent, "start_ns": start}


def order(spans: list[dict]) -> list[tuple[str, int]]:
    return [(s["span_id"], depth) for s, depth in waterfall(spans)]


def test_parents_come_before_children_and_siblings_by_start():
    spans = [span("c2", "r", 30), span("g1", "c1", 15), span("r", "", 0), span("c1", "r", 10),
             span("c0", "r", 10)]
    assert order(spans) == [("r", 0), ("c0", 1), ("c1", 1), ("g1", 2), ("c2", 1)]


def test_a_span_whose_parent_is_not_stored_is_a_root_in_start_order():
    spans = [span("late", "", 50), span("orphan", "gone", 20), span("child", "orphan", 25)]
    assert order(spans) == [("orphan", 0), ("child", 1), ("late", 0)]


def test_a_cycle_draws_every_span_once():
    spans = [span("a", "b", 0), span("b", "a", 5), span("r", "", 1), span("x", "x", 2)]
    assert sorted(order(spans)) == [("a", 0), ("b", 0), ("r", 0), ("x", 0)]
