"""Quality: scores by name, over time, the worst ones, the feedback stream, and cost per good outcome.

What "passing" and "positive" mean is store/queries/quality.QualityRules, configured by
the settings quality.pass_labels, quality.pass_threshold and quality.feedback_positive_labels
and handed over as `ApiContext.quality_rules`. Money is exact: Decimal values are JSON strings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from client.models.quality import (
    QualityBy,
    QualityCost,
    QualityFeedback,
    QualitySummary,
    QualityTimeseries,
    QualityWorst,
    Source,
)
from pipelines.quality.score_join import JOIN_HORIZON
from spyglass.api.common import Strings, filters, json_rows, nice_step
from spyglass.api.context import ContextDep, StoreDep
from spyglass.api.scope import Scope, ScopeDep
from spyglass.timerange import rfc3339
from store.queries import quality as q
from store.queries.quality_jobs import unjoined_feedback

router = APIRouter(prefix="/api/v1/quality")
Limit = Annotated[int, Query(ge=1, le=1000)]


def rules(context: ContextDep) -> q.QualityRules:
    return context.quality_rules


RulesDep = Annotated[q.QualityRules, Depends(rules)]


def _filters(scope: Scope, since: str | None, until: str | None, project: list[str] | None, service: list[str] | None,
             model: list[str] | None, team: list[str] | None, feature: list[str] | None):
    return filters(scope, since, until, project, service, model, team=team, feature=feature)


def _window(f) -> dict[str, str]:
    return {"since": rfc3339(f.since), "until": rfc3339(f.until)}


def _pass_rate(row: dict[str, Any], calls: int) -> float | None:
    """Good share for evaluations and feedback; for heuristics the share of calls the check passed."""
    if row["source"] == "heuristic":
        return 1 - row["count"] / calls if calls else None
    return row["good"] / row["count"] if row["count"] else None


@router.get("/summary")
def summary(store: StoreDep, rule: RulesDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
            project: Strings = None, service: Strings = None, model: Strings = None, team: Strings = None,
            feature: Strings = None) -> QualitySummary:
    """Per score name and source: count, mean value, pass rate (see the module docstring)."""
    f = _filters(scope, since, until, project, service, model, team, feature)
    result = q.summary(store, f, rule)
    scores = [{**row, "pass_rate": _pass_rate(row, result["calls"])} for row in result["scores"]]
    return QualitySummary.model_validate({**_window(f), "calls": result["calls"], "scores": scores})


@router.get("/timeseries")
def timeseries(store: StoreDep, rule: RulesDep, scope: ScopeDep, by: QualityBy = "model", source: Source = "eval",
               since: str | None = None, until: str | None = None, project: Strings = None,
               service: Strings = None, model: Strings = None, team: Strings = None, feature: Strings = None,
               step: Annotated[int | None, Query(ge=60, le=31 * 86400)] = None) -> QualityTimeseries:
    """Per time bucket, `by` value and score name: count, mean value and good count."""
    f = _filters(scope, since, until, project, service, model, team, feature)
    step = step or nice_step((f.until - f.since).total_seconds())
    table = q.timeseries(store, f, step, by, source, rule)
    return QualityTimeseries.model_validate({**_window(f), "step_seconds": step, "by": by, "source": source,
                                             "points": json_rows(table)})


@router.get("/worst")
def worst(store: StoreDep, rule: RulesDep, scope: ScopeDep, source: Source = "eval", limit: Limit = 20,
          since: str | None = None, until: str | None = None, project: Strings = None, service: Strings = None,
          model: Strings = None, team: Strings = None, feature: Strings = None) -> QualityWorst:
    """The lowest scores with their trace and span (failing first, then lowest value, newest first)."""
    f = _filters(scope, since, until, project, service, model, team, feature)
    return QualityWorst.model_validate({**_window(f), "rows": json_rows(q.worst(store, f, source, limit, rule))})


@router.get("/feedback")
def feedback(store: StoreDep, rule: RulesDep, scope: ScopeDep, limit: Limit = 50, since: str | None = None,
             until: str | None = None, project: Strings = None, service: Strings = None, model: Strings = None,
             team: Strings = None, feature: Strings = None) -> QualityFeedback:
    """Recent feedback, newest first (unjoined feedback too, unless a dimension filter excludes it), and how much
    feedback still waits for its call, or waited longer than the join horizon (in the projects asked for)."""
    f = _filters(scope, since, until, project, service, model, team, feature)
    unjoined = unjoined_feedback(store, datetime.now(timezone.utc) - JOIN_HORIZON, f.projects)
    oldest = unjoined["oldest_expired"]
    return QualityFeedback.model_validate({
        **_window(f), "rows": json_rows(q.feedback(store, f, limit, rule)),
        "unjoined": {**unjoined, "horizon_seconds": int(JOIN_HORIZON.total_seconds()),
                     "oldest_expired": rfc3339(oldest) if oldest is not None else None}})


@router.get("/cost")
def cost(store: StoreDep, rule: RulesDep, scope: ScopeDep, by: QualityBy = "model", since: str | None = None,
         until: str | None = None, project: Strings = None, service: Strings = None, model: Strings = None,
         team: Strings = None, feature: Strings = None) -> QualityCost:
    """Cost per passing evaluation and per positive feedback, by model or feature (USD, as strings)."""
    f = _filters(scope, since, until, project, service, model, team, feature)
    return QualityCost.model_validate({**_window(f), "by": by,
                                       "evaluations": q.cost_per_good(store, f, by, "eval", rule),
                                       "feedback": q.cost_per_good(store, f, by, "feedback", rule)})
