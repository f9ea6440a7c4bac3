"""Comparison of two versions: GET /api/v1/compare, what the CI gate, a dashboard "Releases" page and people read.

`by` names what tells the versions apart (service_version, prompt_version, model, provider); `baseline` and
`candidate` are its two values. The candidate window is since/until (default: the last 24 hours); the baseline's
is the same unless baseline_since/baseline_until say otherwise (one end given keeps the candidate window's
length). The method, thresholds and minimums are releases/compare.py's, documented in docs/architecture.md.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from fastapi import APIRouter

from client.models.compare import Comparison as ComparisonWire
from releases.analysis import BY, CompareRequest, compare_versions
from releases.comparison import Comparison
from spyglass.api.common import Strings
from spyglass.api.context import ContextDep
from spyglass.api.scope import ScopeDep
from spyglass.timerange import parse_time, time_range
from store.errors import BadInput

router = APIRouter(prefix="/api/v1")
DEFAULT_LOOKBACK = timedelta(hours=24)
_VALUES = ("baseline", "candidate", "difference", "ci_low", "ci_high")


def wire(comparison: Comparison) -> ComparisonWire:
    """A comparison as the API sends it (also for a verdict's stored report: Comparison.from_json, then this)."""
    data = dataclasses.asdict(comparison)
    data["metrics"] = [{**m, **{name: _decimal(m[name]) for name in _VALUES}} for m in data["metrics"]]
    return ComparisonWire.model_validate(data)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value)))


def _optional_time(value: str | None, now: datetime, name: str) -> datetime | None:
    return parse_time(value, now, name) if value else None


@router.get("/compare")
def compare(context: ContextDep, scope: ScopeDep, by: str, baseline: str, candidate: str, since: str | None = None,
            until: str | None = None, baseline_since: str | None = None, baseline_until: str | None = None,
            project: Strings = None, service: Strings = None, model: Strings = None,
            prompt_name: Strings = None) -> ComparisonWire:
    """The candidate's calls judged against the baseline's: per metric values, difference with its 95 % interval,
    p-value (and Holm-corrected), outcome; a score 0-100 and a verdict pass / marginal / fail / insufficient_data."""
    if by not in BY:
        raise BadInput(f"by: {by!r} is not one of {', '.join(BY)}")
    now = datetime.now(timezone.utc)
    start, end = time_range(since, until, DEFAULT_LOOKBACK, now)
    request = CompareRequest(by=by, baseline=baseline.strip(), candidate=candidate.strip(), since=start, until=end,
                             baseline_since=_optional_time(baseline_since, now, "baseline_since"),
                             baseline_until=_optional_time(baseline_until, now, "baseline_until"),
                             projects=scope.narrow(project), services=tuple(service or ()), models=tuple(model or ()),
                             prompt_names=tuple(prompt_name or ()))
    return wire(compare_versions(context.store, request, context.quality_rules))
