"""The Requests page's figures: the trace list rows, the span waterfall, the per-span table with exact dollars,
the totals and an LLM call's details."""

from __future__ import annotations

from client.models.traces import LlmCall, Span, TraceDetail, Traces
from dashboard import format as fmt
from dashboard.figures.requests import (
    KIND_COLORS,
    call_facts,
    content,
    cost_summary,
    span_rows,
    token_rows,
    totals_caption,
    totals_tiles,
    trace_rows,
    waterfall,
)
from tests.helpers.wire import make

T0 = "2026-11-21T10:00:00.000000000Z"
TOKENS = {"input": 1200, "output": 300, "cache_read": 200, "cache_write": 0, "reasoning": 0}
ZERO = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0, "reasoning": 0}
TOKEN_COST = {"priced": True, "reason": "", "currency": "USD", "input": "0.0025", "cache_read": "0.00025",
              "cache_write": None, "output": "0.003", "reasoning": None, "request_fee": None, "total": "0.00575",
              "entry_id": "openai/gpt-4o", "catalog_version": "2026-11", "tier": None}
CALL = {"provider": "openai", "request_model": "gpt-4o", "response_model": "gpt-4o-2024-08-06", "model": "gpt-4o",
        "tokens": TOKENS, "status": "ok", "team": "search", "ttft_ms": 180.0,
        "cost": {"amount": "0.00575", "priced": True, "gpu_served": False, "token": TOKEN_COST, "gpu": None}}


def _span(span_id: str, depth: int, name: str, start: str, end: str, duration_ms: float, **fields) -> dict:
    return {"span_id": span_id, "depth": depth, "name": name, "service": "rag-search", "start": start, "end": end,
            "duration_ms": duration_ms, "status_code": "OK", **fields}


DETAIL = make(TraceDetail, trace_id="ab" * 16, start=T0, end="2026-11-21T10:00:02.000000000Z", totals={
    "spans": 3, "llm_calls": 1, "errors": 1, "duration_ms": 2000.0, "tokens": TOKENS, "cost": "0.00575",
    "token_cost": "0.00575", "gpu_cost": "0", "unpriced_calls": 0}, spans=[
    _span("a", 0, "POST /ask", T0, "2026-11-21T10:00:02Z", 2000.0),
    _span("b", 1, "retrieve", "2026-11-21T10:00:00.100Z", "2026-11-21T10:00:00.400Z", 300.0, status_code="ERROR"),
    _span("c", 1, "chat gpt-4o", "2026-11-21T10:00:00.500Z", "2026-11-21T10:00:01.900Z", 1400.0, llm_call=CALL),
])


def test_trace_rows_read_for_people_and_mark_unpriced_calls():
    page = make(Traces, since=T0, until=T0, rows=[
        {"trace_id": "ab" * 16, "root_span_name": "POST /ask", "service": "rag-search", "start": T0,
         "duration_ms": 2400.0, "llm_calls": 3, "error": True, "tokens": TOKENS, "cost": "0.0123",
         "token_cost": "0.0123", "gpu_cost": "0", "unpriced_calls": 1, "models": ["gpt-4o", "rerank"]},
        {"trace_id": "cd" * 16, "root_span_name": "", "start": T0, "duration_ms": 85.0, "tokens": ZERO,
         "cost": "0", "token_cost": "0", "gpu_cost": "0"}])
    first, second = trace_rows(page)
    assert first == {"root span": "POST /ask", "service": "rag-search", "start (UTC)": "2026-11-21 10:00:00",
                     "duration": "2.4 s", "calls": 3, "tokens": "1.5k", "cost": "$0.0123 (+1 unpriced)",
                     "error": "error", "models": "gpt-4o, rerank", "trace": "ab" * 16}
    assert (second["root span"], second["duration"], second["cost"], second["error"]) == \
        ("(root not stored)", "85 ms", "$0.00", "")


def test_waterfall_has_one_bar_per_span_from_its_start_indented_by_depth_coloured_by_kind():
    fig = waterfall(DETAIL)
    bars = {bar.name: bar for bar in fig.data}
    assert set(bars) == {"span", "error", "LLM call"}
    assert sorted(i for bar in fig.data for i in bar.y) == [0, 1, 2], "one bar per span"
    assert (list(bars["error"].y), list(bars["error"].base), list(bars["error"].x)) == ([1], [100.0], [300.0])
    assert (list(bars["LLM call"].base), list(bars["LLM call"].x)) == ([500.0], [1400.0])
    assert bars["error"].marker.color == KIND_COLORS["error"]
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[0] == "POST /ask" and labels[2].endswith("chat gpt-4o") and len(labels[2]) > len("chat gpt-4o")
    hover = bars["LLM call"].customdata[0]
    assert "1.2k in" in hover and "300 out" in hover and "200 cached" in hover and "$0.00575" in hover
    assert fig.layout.yaxis.autorange == "reversed", "the root on top"
    assert fig.layout.showlegend, "the legend explains the colours even when every span is of one kind"


def test_span_rows_carry_exact_dollars_only_on_call_spans():
    rows = span_rows(DETAIL)
    assert [r["starts at"] for r in rows] == ["0.0 ms", "100 ms", "500 ms"]
    assert [r["cost (USD)"] for r in rows] == ["", "", "$0.00575"]
    assert (rows[2]["model"], rows[2]["input tokens"], rows[2]["output tokens"]) == ("gpt-4o", "1.2k", "300")
    assert rows[1]["status"] == "ERROR"


def test_totals_tiles_and_the_exact_split():
    assert totals_tiles(DETAIL) == {"Cost": "$0.00575", "Duration": "2 s", "LLM calls": "1", "Tokens": "1.5k",
                                    "Spans": "3", "Errors": "1"}
    assert totals_caption(DETAIL) == "exact: $0.00575 = token cost $0.00575 + GPU cost $0.00"


def test_call_details_show_models_tokens_by_kind_and_the_price_parts():
    call = DETAIL.spans[2].llm_call
    facts = call_facts(call)
    assert facts["model"] == "gpt-4o → gpt-4o-2024-08-06" and facts["time to first token"] == "180 ms"
    assert facts["team"] == "search" and facts["feature"] == fmt.MISSING
    rows = {r["kind"]: (r["tokens"], r["price (USD)"]) for r in token_rows(call)}
    assert rows == {"input": ("1,200", "$0.0025"), "cache read": ("200", "$0.00025"), "cache write": ("0", "–"),
                    "output": ("300", "$0.003"), "reasoning": ("0", "–"), "token cost": ("", "$0.00575")}
    assert cost_summary(call.cost).startswith("Token price $0.00575 USD by the catalog 2026-11, entry openai/gpt-4o")


def test_a_gpu_served_call_costs_its_gpu_share_and_an_unpriced_one_says_why():
    gpu = make(LlmCall, tokens=TOKENS, cost={"amount": "0.0102", "priced": True, "gpu_served": True,
                                             "token": {**TOKEN_COST, "total": "0.004"},
                                             "gpu": {"priced": True, "amount": "0.0102", "host": "node-a"}})
    assert "node-a" in cost_summary(gpu.cost) and "$0.0102" in cost_summary(gpu.cost)
    unpriced = make(LlmCall, tokens=TOKENS, cost={"amount": None, "priced": False, "token": {
        **TOKEN_COST, "priced": False, "reason": "no_match", "total": None}})
    assert cost_summary(unpriced.cost) == "No price: no_match. It adds nothing to the trace's cost."
    assert cost_summary(None).startswith("Not priced yet")
    assert token_rows(make(LlmCall, tokens=TOKENS))[-1]["kind"] == "reasoning", "no price parts without a cost"


def test_content_is_the_prompt_and_completion_attributes_only():
    span = make(Span, start=T0, end=T0, attributes={
        "gen_ai.input.messages": '[{"role": "user"}]', "gen_ai.output.messages": "[]",
        "gen_ai.request.model": "gpt-4o", "input.value": "hi"})
    assert dict(content(span)) == {"gen_ai.input.messages": '[{"role": "user"}]', "gen_ai.output.messages": "[]",
                                   "input.value": "hi"}


def test_tokens_and_exact_money_formats():
    assert (fmt.tokens(850), fmt.tokens(1234), fmt.tokens(2_500_000), fmt.tokens(None)) == \
        ("850", "1.23k", "2.5M", "–")
    assert (fmt.money_exact("0.001234560"), fmt.money_exact("12.50"), fmt.money_exact("100"),
            fmt.money_exact("-0.5"), fmt.money_exact(None)) == ("$0.00123456", "$12.50", "$100.00", "-$0.50", "–")
