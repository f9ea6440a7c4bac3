"""Compare two versions stored in Spyglass: read both sides' calls (store/queries/compare.py), judge them
(releases/compare.py). What the API's /api/v1/compare, the CI gate and the canary job call.

The baseline's window is the candidate's unless given: a canary compares the two versions serving side by side
over the same hours; after a full switch there is no baseline traffic left, so the canary job compares the new
version with the previous one at the same hours of the previous week (`baseline_since` a week earlier). A
baseline window given by one end only keeps the candidate window's length.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from releases.compare import Judge, compare
from releases.comparison import Comparison
from releases.metrics import FRAME_SCHEMA, empty_frame
from store.base import Store
from store.errors import BadInput
from store.params import utc
from store.queries.compare import BY_COLUMNS, Sides, Window, side_calls
from store.queries.quality import QualityRules

BY = tuple(BY_COLUMNS)


@dataclass(frozen=True)
class CompareRequest:
    """Which calls are the baseline and which the candidate: `by` (service_version, prompt_version, model or
    provider) with each side's value, the candidate window [since, until), the baseline window when it differs,
    and filters both sides share (empty: all)."""

    by: str
    baseline: str
    candidate: str
    since: datetime
    until: datetime
    baseline_since: datetime | None = None
    baseline_until: datetime | None = None
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    prompt_names: tuple[str, ...] = ()

    def windows(self) -> tuple[Window, Window]:
        """(baseline, candidate) windows; BadInput when one is empty or reversed."""
        candidate = Window(utc(self.since), utc(self.until))
        length = candidate.until - candidate.since
        start = utc(self.baseline_since) if self.baseline_since else None
        end = utc(self.baseline_until) if self.baseline_until else None
        baseline = Window(start or (end - length if end else candidate.since),
                          end or (start + length if start else candidate.until))
        for name, w in (("baseline", baseline), ("candidate", candidate)):
            if w.since >= w.until:
                raise BadInput(f"the {name} window is empty: since must be before until")
        return baseline, candidate


def compare_versions(store: Store, request: CompareRequest, rules: QualityRules | None = None,
                     judge: Judge | None = None) -> Comparison:
    """The comparison of the request's candidate against its baseline (BadInput for a request that cannot be)."""
    if request.by not in BY_COLUMNS:
        raise BadInput(f"by: {request.by!r} is not one of {', '.join(BY)}")
    if not request.baseline or not request.candidate:
        raise BadInput("baseline and candidate values are both needed")
    baseline_window, candidate_window = request.windows()
    if request.baseline == request.candidate and (baseline_window.since < candidate_window.until
                                                   and candidate_window.since < baseline_window.until):
        raise BadInput(f"baseline and candidate are both {request.by} {request.baseline!r} in overlapping windows: "
                       "compare one value in two separate windows, or two values")
    sides = Sides(request.by, request.baseline, request.candidate, baseline_window, candidate_window,
                  request.projects, request.services, request.models, request.prompt_names)
    frame = pl.from_arrow(side_calls(store, sides, rules or QualityRules()))
    assert isinstance(frame, pl.DataFrame)
    split = {key[0]: part for key, part in frame.partition_by("side", as_dict=True).items()}
    parts = [split[side].select(list(FRAME_SCHEMA)) if side in split else empty_frame() for side in (0, 1)]
    result = compare(parts[0], parts[1], judge)
    return replace(result, by=request.by, baseline=request.baseline, candidate=request.candidate,
                   baseline_since=_text(baseline_window.since), baseline_until=_text(baseline_window.until),
                   candidate_since=_text(candidate_window.since), candidate_until=_text(candidate_window.until))


def _text(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
