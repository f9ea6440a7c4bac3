"""The canary job: every few minutes, judge each recent change against the value it replaced.

For every change of a service version, prompt version, model or provider in the last `horizon`, plan the
comparison (releases/canary.py: canary side by side, or before/after against the same hours a week earlier),
run it (releases/analysis.py) and store the verdict with the whole comparison in `change_verdicts`, one row
per change and run. The `change_regression` detector fires on the newest row when it is `fail`; incidents and
post-mortems show each change with its newest verdict. Runs are independent (nothing carries over), so a
stopped or failed run costs one interval's verdicts, never wrong ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from releases.analysis import CompareRequest, compare_versions
from releases.canary import ChangeToJudge, Plan, judgeable, plan, window_of
from releases.comparison import Comparison
from store.base import Store
from store.errors import BadInput
from store.params import utc
from store.queries import canary as q
from store.queries.quality import QualityRules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CanaryConfig:
    """How each change is judged (settings releases.canary_window and releases.canary_horizon)."""

    window: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(hours=24)


def request_of(p: Plan) -> CompareRequest:
    """The comparison a plan asks for, as the API would take it."""
    return CompareRequest(by=p.by, baseline=p.baseline, candidate=p.candidate, since=p.since, until=p.until,
                          baseline_since=p.baseline_since, baseline_until=p.baseline_until,
                          projects=(p.project,), services=(p.service,), models=(p.model,) if p.model else (),
                          prompt_names=(p.prompt_name,) if p.prompt_name else ())


def verdict_row(p: Plan, comparison: Comparison, now: datetime) -> dict[str, Any]:
    """The `change_verdicts` row of one judgement; score 0 when no metric could be judged (the verdict says so)."""
    return {"change_id": p.change_id, "run_at": now, "mode": p.mode, "window_start": p.since, "window_end": p.until,
            "verdict": comparison.verdict, "score": comparison.score or 0.0, "worse": list(comparison.worse),
            "report": comparison.to_json()}


def run_canary_job(store: Store, now: datetime, config: CanaryConfig = CanaryConfig(),
                   rules: QualityRules | None = None, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Judge every change of the last `config.horizon`; the number of verdicts written."""
    now = utc(now)
    rows = []
    for raw in q.recent_changes(store, now - config.horizon, now):
        change = ChangeToJudge(**{**raw, "at": utc(raw["at"])})
        if not judgeable(change, now, config.horizon):
            continue
        since, until = window_of(change, now, config.window)
        previous = q.serves(store, change.dimension, change.from_value, change.project, change.service,
                            change.subject if change.dimension == "prompt_version" else "", since, until)
        judged = plan(change, previous, now, config.window)
        try:
            rows.append(verdict_row(judged, compare_versions(store, request_of(judged), rules), now))
        except BadInput as exc:  # a change whose values cannot be compared (reported with odd values): say so, go on
            log.warning("change %s cannot be judged: %s", change.id, exc)
        if should_stop():
            break
    q.insert_verdicts(store, rows)
    return len(rows)
