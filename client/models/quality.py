"""Quality: scores by name, over time, the worst ones, the feedback stream, and cost per good outcome.

"Good" is the service's rule (settings quality_pass_*, feedback_positive_labels): a passing
evaluation, a positive feedback; a heuristic row is a failed check.
"""

from __future__ import annotations

from typing import Literal

from client.models.wire import Money, Timestamp, Window, Wire

Source = Literal["eval", "feedback", "heuristic"]
QualityBy = Literal["model", "feature", "team", "service"]


class ScoreSummary(Wire):
    source: Source
    name: str
    count: int
    mean: float | None
    good: int
    joined: int  # scores already joined to their call
    pass_rate: float | None  # good share; for heuristics the share of calls the check passed


class QualitySummary(Window):
    """GET /api/v1/quality/summary: per source and score name; `calls` in the same filters."""

    calls: int
    scores: list[ScoreSummary]


class QualityPoint(Wire):
    bucket: Timestamp
    series: str  # the `by` value
    name: str
    count: int
    mean: float | None
    good: int


class QualityTimeseries(Window):
    """GET /api/v1/quality/timeseries: per bucket, `by` value and score name."""

    step_seconds: int
    by: QualityBy
    source: Source
    points: list[QualityPoint]


class Score(Wire):
    """One score about a call (or, without a span, about its trace)."""

    timestamp: Timestamp
    trace_id: str
    span_id: str
    name: str
    value: float | None
    label: str
    source: Source
    evaluator: str  # the evaluator, or the user who gave feedback
    comment: str
    project: str
    service_name: str
    model: str
    team: str
    feature: str
    joined: bool


class RankedScore(Score):
    good: int  # 1 when the score passes, else 0


class QualityWorst(Window):
    """GET /api/v1/quality/worst: failing first, then lowest value, newest first."""

    rows: list[RankedScore]


class Feedback(Score):
    positive: int  # 1 when the feedback is positive, else 0


class UnjoinedFeedback(Wire):
    """Feedback whose call is not stored (in its project), whatever the range and the dimension filters."""

    horizon_seconds: int  # how long the join looks for a feedback's call
    waiting: int  # younger than the horizon: joined when its call arrives
    expired: int  # older: its call is no longer looked for (a wrong trace or span id, or another project)
    oldest_expired: Timestamp | None


class QualityFeedback(Window):
    """GET /api/v1/quality/feedback: newest first, and the feedback still without its call."""

    rows: list[Feedback]
    unjoined: UnjoinedFeedback


class CostPerGood(Wire):
    series: str  # the `by` value
    scores: int
    good: int
    calls: int  # scored calls, each counted once
    cost: Money
    unpriced_calls: int
    cost_per_good: Money | None


class QualityCost(Window):
    """GET /api/v1/quality/cost: cost per passing evaluation and per positive feedback, by `by`."""

    by: QualityBy
    evaluations: list[CostPerGood]
    feedback: list[CostPerGood]
