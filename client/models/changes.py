"""Changes in the fleet: a deploy, a prompt version, a model or snapshot, a provider, a price catalog, a config or
a flag; detected by the service or reported by a person or a CI pipeline."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from client.models.compare import Comparison
from client.models.wire import Timestamp, Window, Wire

Kind = Literal["deploy", "prompt", "model", "provider", "config", "price", "flag"]
KINDS: tuple[Kind, ...] = ("deploy", "prompt", "model", "provider", "config", "price", "flag")
Source = Literal["detected", "reported"]


class ChangeVerdict(Wire):
    """A change's current verdict: its latest analysis run."""

    verdict: str  # pass, marginal, fail, insufficient_data
    score: float  # 0-100
    worse: list[str]  # the metrics that got worse (latency_p95, cost_per_request, ...)
    mode: str  # canary | before_after
    run_at: Timestamp
    window_start: Timestamp
    window_end: Timestamp


class Change(Wire):
    """One change. `dimension` is the `llm_calls` column a comparison of it splits calls by (service_version,
    prompt_version, model, response_model, provider; '' for a price, config or flag), `subject` what it is of
    (a prompt's name; the requested model whose snapshot moved). A price change is fleet-wide: project and
    service ''."""

    id: str
    at: Timestamp
    kind: Kind
    project: str
    service: str
    model: str
    dimension: str
    subject: str
    from_value: str  # '' for the first value ever seen
    to_value: str
    source: Source
    author: str
    description: str
    link: str
    recorded_at: Timestamp
    verdict: ChangeVerdict | None = None  # the latest canary analysis; None: never analysed


class VerdictRun(ChangeVerdict):
    """One analysis run of a change with the whole comparison it judged by (values, intervals, p-values)."""

    comparison: Comparison


class ChangeVerdicts(Wire):
    """GET /api/v1/changes/{id}/verdicts: the change and its analysis runs, newest first."""

    change: Change
    verdicts: list[VerdictRun]


class Changes(Window):
    """GET /api/v1/changes: the changes in the range, newest first."""

    changes: list[Change]


class ReportChange(BaseModel):
    """The body of POST /api/v1/changes, as a CI/CD pipeline or a person reports a change.

    `at` defaults to now (RFC 3339). `id` is optional: give one (such as the pipeline's run id) and a retry
    records nothing new; the first change recorded under an id stays. `model` defaults to `to` for a model
    change.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: Kind
    service: str = Field(min_length=1, max_length=200)
    to_value: str = Field(alias="to", min_length=1, max_length=500)
    from_value: str = Field("", alias="from", max_length=500)
    project: str = Field("default", min_length=1, max_length=200)
    model: str = Field("", max_length=200)
    subject: str = Field("", max_length=500)
    at: str | None = None
    author: str = Field("", max_length=200)
    description: str = Field("", max_length=10_000)
    link: str = Field("", max_length=2_000)
    id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@/+=-]+$")
