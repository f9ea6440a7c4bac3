"""User feedback as `quality_scores` rows (source `feedback`): validation and row shaping, pure.

One feedback per (project, call, name, user): its `score_id` hashes those
(store/feedback_ids.py), so a client that re-sends (a retry, or a user who changes thumbs up
to thumbs down) replaces the earlier one instead of counting twice. The user is stored as the
score's `evaluator` (who judged). Each item's project is chosen by the API (the ingest key's,
or the project of the call it names). Rows are written unjoined: the call may not have arrived
yet, and the quality-join job (pipelines/quality/score_join.py) adds its dimensions when it does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from collector.normalise.redaction import RedactionConfig, redactor
from store.errors import BadInput
from store.feedback_ids import SOURCE, feedback_score_id

MAX_BATCH = 1000
DEFAULT_PROJECT = "default"  # feedback without a project whose call is not stored yet, when ingest is open
_SCHEMA = pa.schema([
    ("timestamp", pa.timestamp("ns", "UTC")), ("project", pa.string()), ("trace_id", pa.string()),
    ("span_id", pa.string()), ("score_id", pa.string()), ("name", pa.string()), ("value", pa.float64()),
    ("label", pa.string()), ("source", pa.string()), ("evaluator", pa.string()), ("comment", pa.string()),
    ("joined", pa.bool_()), ("updated_at", pa.timestamp("ms", "UTC")),
])


class Feedback(BaseModel):
    """One piece of feedback about a call (span) or a whole trace, as the API accepts it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    trace_id: str = Field(pattern=r"^[0-9a-fA-F]{32}$", description="the trace, 32 hex digits")
    span_id: str = Field("", pattern=r"^(?:[0-9a-fA-F]{16})?$", description="the call's span, 16 hex digits")
    name: str = Field("feedback", min_length=1, max_length=200)
    value: float | None = Field(None, allow_inf_nan=False)
    label: str = Field("", max_length=200)
    comment: str = Field("", max_length=10_000)
    user: str = Field("", max_length=200)
    project: str = Field("", max_length=200, description="with ingest keys, the key's project or empty; when ingest is "
                         "open, where to keep feedback whose call is not stored yet (default: 'default')")

    @field_validator("trace_id", "span_id")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _verdict(self) -> Feedback:
        if self.value is None and not self.label:
            raise ValueError("give a value (number), a label, or both")
        if not self.trace_id.strip("0"):
            raise ValueError("trace_id must not be all zeros")
        if self.span_id and not self.span_id.strip("0"):
            raise ValueError("span_id must not be all zeros")
        return self

    def score_id(self, project: str) -> str:
        """The deterministic id of one user's feedback of one name about one call, in `project`."""
        return feedback_score_id(project, self.trace_id, self.span_id, self.name, self.user)


def parse_feedback(body: Any) -> list[Feedback]:
    """One feedback object or a list of 1 to MAX_BATCH, validated whole: BadInput names every problem."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise BadInput("an empty list: send one feedback object or a list of them")
    if len(items) > MAX_BATCH:
        raise BadInput(f"{len(items)} items: at most {MAX_BATCH} per request")
    parsed, problems = [], []
    for index, item in enumerate(items):
        where = f"item {index}: " if isinstance(body, list) else ""
        try:
            parsed.append(Feedback.model_validate(item))
        except ValidationError as exc:
            problems += [f"{where}{'.'.join(map(str, e['loc'])) or 'feedback'}: "
                         f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
    if problems:
        raise BadInput("invalid feedback: " + "; ".join(problems[:10]))
    return parsed


def feedback_rows(items: Sequence[Feedback], projects: Sequence[str], now: datetime,
                  first_seen: Mapping[str, datetime] | None = None,
                  redaction: RedactionConfig = RedactionConfig()) -> pa.Table:
    """quality_scores rows for `items`, each in its project (`projects`, in the same order), received at `now` (UTC).

    `first_seen` maps score ids already stored to their timestamp, which a re-sent
    feedback keeps (the timestamp is in the table's sort key; see score_times).
    Comments are free text from end users, so they are PII-redacted like captured content.
    """
    redact = redactor(redaction).redact
    ids = [f.score_id(project) for f, project in zip(items, projects, strict=True)]
    first_seen = first_seen or {}
    return pa.table({
        "timestamp": [first_seen.get(i, now) for i in ids], "project": list(projects),
        "trace_id": [f.trace_id for f in items], "span_id": [f.span_id for f in items], "score_id": ids,
        "name": [f.name for f in items], "value": [f.value for f in items], "label": [f.label for f in items],
        "source": [SOURCE] * len(items), "evaluator": [f.user for f in items],
        "comment": [redact(f.comment).text if f.comment else "" for f in items], "joined": [False] * len(items),
        "updated_at": [now] * len(items),
    }, schema=_SCHEMA)


def feedback_projects(items: Sequence[Feedback], key_project: str | None,
                      calls: Iterable[Mapping[str, Any]]) -> list[tuple[str, bool]]:
    """Each item's project, and whether the call it names is stored there. BadInput names every conflict.

    `calls` are the stored calls of the items' traces (project, trace_id, span_id), oldest first.
    With ingest keys the key's project is the project, and an item naming another is refused.
    When ingest is open, feedback belongs to the project of the call it names (a trace-level
    feedback: its trace's first call's); an item naming a project the call is not in is refused;
    feedback whose call is not stored yet goes to the project it names, else `default` (the
    score join moves it to its call's project when the call arrives).
    """
    by_span: dict[tuple[str, str], str] = {}
    by_trace: dict[str, list[str]] = {}
    for call in calls:
        by_span[(call["trace_id"], call["span_id"])] = call["project"]
        by_trace.setdefault(call["trace_id"], []).append(call["project"])
    chosen, problems = [], []
    for index, f in enumerate(items):
        where = f"item {index}: " if len(items) > 1 else ""
        if f.span_id:
            named = [by_span[(f.trace_id, f.span_id)]] if (f.trace_id, f.span_id) in by_span else []
        else:
            named = list(dict.fromkeys(by_trace.get(f.trace_id, [])))
        if key_project is not None and f.project and f.project != key_project:
            problems.append(f"{where}project {f.project!r} is not the ingest key's project {key_project!r}")
        elif key_project is None and f.project and named and f.project not in named:
            calls_are = "the call it names is" if f.span_id else "its trace's calls are"
            problems.append(f"{where}project {f.project!r}, but {calls_are} in project {' or '.join(map(repr, named))}")
        project = key_project if key_project is not None else f.project or (named[0] if named else DEFAULT_PROJECT)
        chosen.append((project, project in named))
    if problems:
        raise BadInput("invalid feedback: " + "; ".join(problems[:10]))
    return chosen
