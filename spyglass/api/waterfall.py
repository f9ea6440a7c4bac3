"""The order a trace's spans are drawn in: every parent before its children, siblings by start.

Pure: spans in, (span, depth) out. A span whose parent is not among the spans (the parent was not exported,
or belongs to an upstream service that sends elsewhere) is drawn as a root, so no span is ever lost. Roots,
and the children of each span, are ordered by start time, then span id (a stable order for ties).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

S = TypeVar("S", bound=Mapping[str, Any])


def waterfall(spans: Sequence[S]) -> list[tuple[S, int]]:
    """`spans` (mappings with span_id, parent_span_id, start_ns) as a depth-first walk with each span's depth."""
    ids = {span["span_id"] for span in spans}
    children: dict[str, list[S]] = defaultdict(list)
    roots: list[S] = []
    for span in spans:
        parent = span["parent_span_id"]
        if parent and parent in ids and parent != span["span_id"]:
            children[parent].append(span)
        else:
            roots.append(span)
    out: list[tuple[S, int]] = []
    seen: set[str] = set()
    stack = [(span, 0) for span in reversed(_ordered(roots))]
    while stack:
        span, depth = stack.pop()
        if span["span_id"] in seen:  # a parent cycle in malformed data: draw each span once
            continue
        seen.add(span["span_id"])
        out.append((span, depth))
        stack.extend((child, depth + 1) for child in reversed(_ordered(children[span["span_id"]])))
    # Spans only reachable through a cycle have no root: draw them last, as roots.
    out.extend((span, 0) for span in _ordered([s for s in spans if s["span_id"] not in seen]))
    return out


def _ordered(spans: list[S]) -> list[S]:
    return sorted(spans, key=lambda s: (s["start_ns"], s["span_id"]))
