"""Quality: scores by name, over time, the worst ones, the feedback stream, and cost per good outcome.

What "passing" and "positive" mean is store/queries/quality.QualityRules, configured by
the settings quality.pass_labels, quality.pass_threshold and quality.feedback_positive_labels;
the service puts it on `app.state.quality_rules` (defaults when absent). Money is exact:
Decimal values are JSON strings.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from spyglass.api.common import Strings, filters, get_store, json_rows, nice_step
from spyglass.timerange import rfc3339
from store.base import Store
from store.queries import quality as q

router = APIRouter(prefix="/api/v1/quality")
StoreDep = Annotated[Store, Depends(get_store)]
Source = Literal["eval", "feedback", "heuristic"]
Limit = Annotated[int, Query(ge=1, le=1000)]


def rules(request: Request) -> q.QualityRules:
    return getattr(request.app.state, "quality_rules", None) or q.QualityRules()


RulesDep = Annotated[q.QualityRules, Depends(rules)]


def _filters(since: str | None, until: str | None, project: list[str], service: list[str], model: list[str],
             team: list[str], feature: list[str]):
    return filters(since, until, project, service, model, team=team, feature=feature)


def _pass_rate(row: dict[str, Any], calls: int) -> float | None:
    """Good share for evaluations and feedback; for heuristics the share of calls the check passed."""
    if row["source"] == "heuristic":
        return 1 - row["count"] / calls if calls else None
    return row["good"] / row["count"] if row["count"] else None


@router.get("/summary")
def summary(store: StoreDep, rule: RulesDep, since: str | None = None, until: str | None = None,
            project: Strings = [], service: Strings = [], model: Strings = [], team: Strings = [],
            feature: Strings = []) -> dict[str, Any]:
    """Per score name and source: count, mean value, pass rate (see the module docstring)."""
    f = _filters(since, until, project, service, model, team, feature)
    result = q.summary(store, f, rule)
    scores = [{**row, "pass_rate": _pass_rate(row, result["calls"])} for row in result["scores"]]
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "calls": result["calls"], "scores": scores}


@router.get("/timeseries")
def timeseries(store: StoreDep, rule: RulesDep, by: Literal["model", "feature", "team", "service"] = "model",
               source: Source = "eval", since: str | None = None, until: str | None = None,
               project: Strings = [], service: Strings = [], model: Strings = [], team: Strings = [],
               feature: Strings = [], step: Annotated[int | None, Query(ge=60, le=31 * 86400)] = None
               ) -> dict[str, Any]:
    """Per time bucket, `by` value and score name: count, mean value and good count."""
    f = _filters(since, until, project, service, model, team, feature)
    step = step or nice_step((f.until - f.since).total_seconds())
    table = q.timeseries(store, f, step, by, source, rule)
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "step_seconds": step, "by": by,
            "source": source, "points": json_rows(table)}


@router.get("/worst")
def worst(store: StoreDep, rule: RulesDep, source: Source = "eval", limit: Limit = 20, since: str | None = None,
          until: str | None = None, project: Strings = [], service: Strings = [], model: Strings = [],
          team: Strings = [], feature: Strings = []) -> dict[str, Any]:
    """The lowest scores with their trace and span (failing first, then lowest value, newest first)."""
    f = _filters(since, until, project, service, model, team, feature)
    return {"since": rfc3339(f.since), "until": rfc3339(f.until),
            "rows": json_rows(q.worst(store, f, source, limit, rule))}


@router.get("/feedback")
def feedback(store: StoreDep, rule: RulesDep, limit: Limit = 50, since: str | None = None, until: str | None = None,
             project: Strings = [], service: Strings = [], model: Strings = [], team: Strings = [],
             feature: Strings = []) -> dict[str, Any]:
    """Recent feedback, newest first (unjoined feedback too, unless a dimension filter excludes it)."""
    f = _filters(since, until, project, service, model, team, feature)
    return {"since": rfc3339(f.since), "until": rfc3339(f.until),
            "rows": json_rows(q.feedback(store, f, limit, rule))}


def _money(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "cost": str(row["cost"]),
             "cost_per_good": None if row["cost_per_good"] is None else str(row["cost_per_good"])} for row in rows]


@router.get("/cost")
def cost(store: StoreDep, rule: RulesDep, by: Literal["model", "feature", "team", "service"] = "model",
         since: str | None = None, until: str | None = None, project: Strings = [], service: Strings = [],
         model: Strings = [], team: Strings = [], feature: Strings = []) -> dict[str, Any]:
    """Cost per passing evaluation and per positive feedback, by model or feature (USD, as strings)."""
    f = _filters(since, until, project, service, model, team, feature)
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "by": by,
            "evaluations": _money(q.cost_per_good(store, f, by, "eval", rule)),
            "feedback": _money(q.cost_per_good(store, f, by, "feedback", rule))}
