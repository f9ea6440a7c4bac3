"""LLM calls: the summary, the time series, the filter values, and the calls themselves."""

from __future__ import annotations

from client.models.wire import Timestamp, Window, Wire


class Tokens(Wire):
    input: int
    output: int
    cache_read: int
    cache_write: int
    reasoning: int
    total: int  # input + output


class Latency(Wire):
    """Duration percentiles in milliseconds; None when there were no calls."""

    p50: float | None
    p95: float | None
    p99: float | None


class Totals(Wire):
    requests: int
    errors: int
    error_rate: float  # 0-1; 0 when there were no requests
    tokens: Tokens
    latency_ms: Latency
    streamed_requests: int  # the calls that reported a time to first token (streaming calls)
    ttft_ms: Latency  # time to first token of those calls; None without any


class ModelTotals(Totals):
    model: str  # the requested model, else the responded one ('' when neither is known)


class Summary(Window):
    """GET /api/v1/summary: requests, errors, tokens, latency and time to first token, overall and by model (busiest first)."""

    overall: Totals
    by_model: list[ModelTotals]


class TimeseriesPoint(Wire):
    bucket: Timestamp  # start of the bucket
    series: str        # the `by` value ('' without `by`)
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    reasoning_tokens: int
    p95_latency_ms: float | None
    p95_ttft_ms: float | None  # of the bucket's streamed calls; None without any


class Timeseries(Window):
    """GET /api/v1/timeseries: per bucket (and per `by` value when asked)."""

    step_seconds: int
    points: list[TimeseriesPoint]


class FilterValues(Wire):
    """GET /api/v1/filters: what the range holds, for filter pickers (sorted)."""

    projects: list[str]
    services: list[str]
    models: list[str]
    environments: list[str] = []  # `deployment.environment.name`; absent from services older than the picker


class LlmCall(Wire):
    """One GenAI operation span as a typed row of `llm_calls`."""

    timestamp: Timestamp
    trace_id: str
    span_id: str
    parent_span_id: str
    span_name: str
    project: str
    service_name: str
    environment: str
    operation: str
    provider: str
    request_model: str
    response_model: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    usage_reported: bool  # False: the span reported no usage (not "0 tokens")
    duration_ns: int
    ttft_ns: int | None   # time to first token, streaming calls only
    status: str
    error_type: str
    finish_reasons: list[str]
    team: str
    feature: str
    user_id: str
    session_id: str
    host_name: str
    response_id: str


class LlmCalls(Window):
    """GET /api/v1/llm-calls (JSON): one page of calls, newest first; `next_offset` is None on the last page."""

    limit: int
    offset: int
    next_offset: int | None
    rows: list[LlmCall]
