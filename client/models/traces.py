"""The trace explorer: traces as a list (one row per trace) and one trace with its spans, calls and costs.

Money is exact (decimal text on the wire) and follows the one spend rule: a call served by a GPU host costs
its share of the host's GPU time, every other call its token price.
"""

from __future__ import annotations

from client.models.wire import Money, Timestamp, Window, Wire


class TraceTokens(Wire):
    """Token counts as the instrumentation reported them (cache and reasoning are 0 when not reported)."""

    input: int
    output: int
    cache_read: int
    cache_write: int
    reasoning: int


class TraceRow(Wire):
    trace_id: str
    root_span_name: str  # '' when the trace's root span is not stored
    root_found: bool  # False: start and duration are those of the trace's LLM calls
    service: str  # the root span's service, else that of the first LLM call
    project: str
    start: Timestamp
    duration_ms: float
    llm_calls: int
    errors: int  # failed LLM calls
    error: bool  # a failed LLM call, or a root span with an error status
    tokens: TraceTokens
    cost: Money  # token cost + GPU cost by the spend rule; calls without a price add nothing
    token_cost: Money
    gpu_cost: Money
    unpriced_calls: int  # calls without a price (or not yet priced): the cost leaves them out
    models: list[str]  # up to five, sorted
    user_id: str
    team: str
    feature: str


class Traces(Window):
    """GET /api/v1/traces: one page of traces, by `sort` (descending) then trace id."""

    sort: str  # time, cost or duration
    limit: int
    rows: list[TraceRow]
    next_cursor: str | None  # pass as `cursor` (with the same filters) for the next page; None on the last


class SpanEvent(Wire):
    time: Timestamp
    name: str
    attributes: dict[str, str]


class TokenCost(Wire):
    """The call's token price (request_costs): the parts, the total, and how the price was found."""

    priced: bool
    reason: str  # why there is no price ('' when priced)
    flags: list[str]
    currency: str
    input: Money | None
    cache_read: Money | None
    cache_write: Money | None
    output: Money | None
    reasoning: Money | None
    request_fee: Money | None
    total: Money | None
    entry_id: str  # the price catalog entry that priced it
    rule: str  # the token accounting rule applied
    tier: int | None
    catalog_version: str
    price_basis: str  # provider, gateway or vendor
    priced_as: str


class GpuCost(Wire):
    """The call's share of its GPU host's time (latest GPU cost run of its hour)."""

    priced: bool
    amount: Money | None
    host: str
    price_source: str


class CallCost(Wire):
    """What the call costs by the spend rule: its GPU share when GPU-served, else its token price."""

    amount: Money | None  # None: no price (see token.reason, or the GPU host's price source)
    priced: bool
    gpu_served: bool
    token: TokenCost
    gpu: GpuCost | None


class LlmCall(Wire):
    """The typed LLM call of a span (llm_calls)."""

    operation: str
    provider: str
    request_model: str
    response_model: str
    model: str
    tokens: TraceTokens
    usage_reported: bool
    ttft_ms: float | None
    finish_reasons: list[str]
    status: str
    error_type: str
    team: str
    feature: str
    user_id: str
    session_id: str
    host_name: str
    response_id: str
    cost: CallCost | None  # None: not priced yet (the cost job has not reached it)


class Span(Wire):
    span_id: str
    parent_span_id: str
    depth: int  # 0 for a root (or a span whose parent is not stored)
    name: str
    service: str
    kind: str
    start: Timestamp
    end: Timestamp
    duration_ms: float
    status_code: str
    status_message: str
    scope_name: str
    attributes: dict[str, str]  # content attributes only where the project captures content (redacted)
    resource_attributes: dict[str, str]
    events: list[SpanEvent]
    content: str  # redacted (shown, as stored), stripped, withheld (not shown), or '' (the span had none)
    stored: bool  # False: the span is not in otel_traces; it is rebuilt from its LLM call
    llm_call: LlmCall | None


class TraceTotals(Wire):
    spans: int
    llm_calls: int
    errors: int  # spans with an error status
    duration_ms: float
    tokens: TraceTokens
    cost: Money  # the sum of the calls' amounts
    token_cost: Money
    gpu_cost: Money
    unpriced_calls: int


class TraceDetail(Wire):
    """GET /api/v1/traces/{trace_id}: every span, parents before their children by start (a waterfall)."""

    trace_id: str
    start: Timestamp
    end: Timestamp
    totals: TraceTotals
    truncated: bool  # more spans than the API returns
    spans: list[Span]

