"""Changes with their current verdict (migration 22): what changed in a scope and window, and whether its analysis
found it made things worse. Incidents and post-mortems read them (the changes before an incident, suspect first),
and so can the `change_regression` detector.

A change is one row of `changes` (ReplacingMergeTree by `recorded_at`, read FINAL: a change reported again or
corrected keeps its newest row). Its verdicts are `change_verdicts`, one row per analysis run, plain MergeTree: the
run with the latest `run_at` is the change's current verdict, earlier runs are history.

Scope (`ChangeScope`): a project, a service and models, each optional. A change matches when it is
- of the scope's service (whatever its model), or
- of no service (fleet-wide: a price catalog version, a provider's snapshot of a model) and of one of the scope's
  models, of no model, or of any model when the scope names none, or
- when the scope names no service: of any service, and of one of the scope's models (of any when it names none).
A change of no project counts in every project. So a scope that names nothing matches every change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from store.base import Store
from store.params import NS_TYPE, time_param
from store.queries.alerts import rows_of

SUSPICION = ("fail", "marginal")  # verdicts that put a change ahead, in this order

_CHANGE_COLUMNS = ("id", "at", "kind", "project", "service", "model", "dimension", "subject", "from_value",
                   "to_value", "source", "author", "description", "link", "recorded_at")
_IN_SCOPE = """({project:String} = '' OR project IN ('', {project:String}))
    AND (({service:String} != '' AND service = {service:String})
         OR (service = '' AND (model = '' OR empty({models:Array(String)}) OR has({models:Array(String)}, model)))
         OR ({service:String} = '' AND (empty({models:Array(String)}) OR has({models:Array(String)}, model))))"""

# A fleet-wide first value (the first price catalog a store sees) is the install, not a change: it would sit in
# every incident of a new install's first day.
_NOT_INSTALL = "NOT (service = '' AND from_value = '')"


@dataclass(frozen=True)
class ChangeScope:
    """Which changes are asked for; empty parts match anything (see the module's docstring)."""

    project: str = ""
    service: str = ""
    models: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {"project": self.project, "service": self.service, "models": sorted(set(self.models) - {""})}


@dataclass(frozen=True)
class Verdict:
    """One analysis run of a change (the latest is the change's current verdict)."""

    change_id: str
    run_at: datetime
    mode: str  # canary | before_after
    window_start: datetime
    window_end: datetime
    verdict: str  # pass | marginal | fail | insufficient_data
    score: float
    worse: tuple[str, ...]  # metric names, such as latency_p95


@dataclass(frozen=True)
class VerdictedChange:
    """A change as recorded, with its current verdict (None: never analysed)."""

    id: str
    at: datetime
    kind: str
    project: str
    service: str
    model: str
    dimension: str
    subject: str
    from_value: str
    to_value: str
    source: str  # detected | reported
    author: str
    description: str
    link: str
    recorded_at: datetime
    verdict: Verdict | None = field(default=None)


def _rank(change: VerdictedChange) -> int:
    current = change.verdict.verdict if change.verdict else ""
    return SUSPICION.index(current) if current in SUSPICION else len(SUSPICION)


def suspect_first(changes: Iterable[VerdictedChange]) -> list[VerdictedChange]:
    """Changes whose current verdict is `fail` first, then `marginal`, then the rest; newest first within each
    (before an incident, the newest is the nearest to it); by id at one instant, so the order is stable."""
    newest_first = sorted(changes, key=lambda c: c.id)
    newest_first.sort(key=lambda c: c.at, reverse=True)
    return sorted(newest_first, key=_rank)


def latest_verdicts(store: Store, change_ids: Sequence[str]) -> dict[str, Verdict]:
    """The current verdict of each change of `change_ids` that was analysed at least once, by change id."""
    if not change_ids:
        return {}
    rows = rows_of(store.query_arrow("""
SELECT change_id, run_at, mode, window_start, window_end, verdict, score, worse
FROM change_verdicts
WHERE change_id IN {ids:Array(String)}
ORDER BY change_id, run_at DESC
LIMIT 1 BY change_id""", {"ids": sorted(set(change_ids))}))
    return {row["change_id"]: Verdict(**{**row, "worse": tuple(row["worse"])}) for row in rows}


def verdict_runs(store: Store, change_id: str, limit: int) -> list[dict[str, Any]]:
    """The analysis runs of one change, newest first, with the comparison each judged by (`report`, JSON)."""
    return rows_of(store.query_arrow("""
SELECT change_id, run_at, mode, window_start, window_end, verdict, score, worse, report
FROM change_verdicts
WHERE change_id = {id:String}
ORDER BY run_at DESC
LIMIT {limit:UInt32}""", {"id": change_id, "limit": limit}))


def changes_in_window(store: Store, scope: ChangeScope, since: datetime, until: datetime) -> list[VerdictedChange]:
    """The changes of `scope` made in [since, until], each with its current verdict, suspect first."""
    rows = rows_of(store.query_arrow(f"""
SELECT {', '.join(_CHANGE_COLUMNS)}
FROM changes FINAL
WHERE at >= {{since:{NS_TYPE}}} AND at <= {{until:{NS_TYPE}}} AND {_IN_SCOPE} AND {_NOT_INSTALL}""",
                                     {**scope.params(), "since": time_param(since), "until": time_param(until)}))
    verdicts = latest_verdicts(store, [row["id"] for row in rows])
    return suspect_first(VerdictedChange(**row, verdict=verdicts.get(row["id"])) for row in rows)
