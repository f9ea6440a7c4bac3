"""Figures and tables of the Requests page (the trace explorer), as pure functions of the traces API's models.

A trace reads as a waterfall: one bar per span from its start to its end, in the API's order (parents before
their children by start), the name indented by depth, coloured by what the span is (an LLM call, another span,
an error), its hover carrying the tokens and the dollars. Money stays exact (Decimal) in tables: the per-span
table prints it to the last digit so the parts can be checked against the total; charts get floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from client.models.traces import CallCost, LlmCall, Span, TraceDetail, TraceRow, Traces, TraceTokens
from dashboard.figures.common import parse_time
from dashboard.format import MISSING, duration_ms, money, money_exact, timestamp, tokens

# What a span is, in legend order, with its colour: the eye looks for the red first, then the money.
KIND_COLORS: dict[str, str] = {"error": "#E45756", "LLM call": "#4C78A8", "span": "#BAB0AC"}
_INDENT = "\u00a0\u00a0"  # a non-breaking space pair per level: Plotly keeps it where it trims ordinary spaces
# Attributes that carry prompt or completion text (the API only sends them where the project captures content).
CONTENT_PREFIXES = ("gen_ai.input.", "gen_ai.output.", "gen_ai.prompt", "gen_ai.completion",
                    "gen_ai.system_instructions", "gen_ai.tool.call.", "gen_ai.retrieval.", "input.value",
                    "output.value", "llm.input_messages", "llm.output_messages", "llm.prompts", "llm.choices")


def total_tokens(t: TraceTokens) -> int:
    """Input + output, as every other page counts tokens (cache and reasoning are in the detail's split)."""
    return t.input + t.output


def trace_rows(page: Traces) -> list[dict[str, Any]]:
    """One row per trace: what started it, where, when, how long, how many calls, tokens and dollars."""
    return [{"root span": r.root_span_name or "(root not stored)", "service": r.service,
             "start (UTC)": timestamp(r.start), "duration": duration_ms(r.duration_ms), "calls": r.llm_calls,
             "tokens": tokens(total_tokens(r.tokens)), "cost": _row_cost(r), "error": "error" if r.error else "",
             "models": ", ".join(r.models), "trace": r.trace_id} for r in page.rows]


def _row_cost(row: TraceRow) -> str:
    """The trace's cost, marked when some calls have no price (so a partial sum never reads as the whole)."""
    text = money(row.cost)
    return f"{text} (+{row.unpriced_calls} unpriced)" if row.unpriced_calls else text


def span_kind(span: Span) -> str:
    """'error', 'LLM call' or 'span': the waterfall's colour and legend entry."""
    if span.status_code.upper() in ("ERROR", "STATUS_CODE_ERROR"):
        return "error"
    return "LLM call" if span.llm_call is not None else "span"


def span_label(span: Span) -> str:
    """The span's name indented by its depth, so the waterfall's axis reads as a tree."""
    return f"{_INDENT * span.depth}{span.name or '(unnamed)'}"


def call_amount(call: LlmCall | None) -> Decimal | None:
    """What the call costs by the spend rule, or None (no call, not priced yet, or no price)."""
    return call.cost.amount if call is not None and call.cost is not None else None


def waterfall(detail: TraceDetail) -> go.Figure:
    """One horizontal bar per span, from its start to its end (ms since the trace began), top to bottom in the
    API's order; one Plotly trace per kind so the legend explains the colours."""
    origin = parse_time(detail.start)
    labels = [span_label(s) for s in detail.spans]
    by_kind: dict[str, list[int]] = {kind: [] for kind in KIND_COLORS}
    for i, span in enumerate(detail.spans):
        by_kind[span_kind(span)].append(i)
    fig = go.Figure()
    for kind, rows in by_kind.items():
        if not rows:
            continue
        spans = [detail.spans[i] for i in rows]
        fig.add_bar(y=rows, base=[(parse_time(s.start) - origin).total_seconds() * 1000 for s in spans],
                    x=[max(s.duration_ms, 0.001) for s in spans], orientation="h", name=kind,
                    marker_color=KIND_COLORS[kind], customdata=[_hover(s) for s in spans],
                    hovertemplate="%{customdata}<extra></extra>")
    fig.update_layout(
        barmode="overlay", showlegend=True, height=120 + 28 * len(labels), margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", y=-0.15), plot_bgcolor="rgba(0,0,0,0)",
        xaxis=dict(title="ms since the trace started", rangemode="tozero"),
        yaxis=dict(tickvals=list(range(len(labels))), ticktext=labels, autorange="reversed"))
    return fig


def _hover(span: Span) -> str:
    """The hover text of a bar: name, service, duration, and for an LLM call its model, tokens and dollars."""
    lines = [f"<b>{span.name}</b> ({span.service})", f"{duration_ms(span.duration_ms)} · {span.status_code}"]
    call = span.llm_call
    if call is not None:
        t = call.tokens
        lines.append(f"{call.provider} {call.model}: {tokens(t.input)} in, {tokens(t.output)} out"
                     + (f", {tokens(t.cache_read)} cached" if t.cache_read else ""))
        lines.append(f"cost {money(call_amount(call))}" if call_amount(call) is not None else "cost: not priced")
    return "<br>".join(lines)


def span_rows(detail: TraceDetail) -> list[dict[str, Any]]:
    """The per-span table: timing, status, model, tokens and the exact dollars of each span's call."""
    origin = parse_time(detail.start)
    rows = []
    for s in detail.spans:
        call = s.llm_call
        rows.append({
            "span": span_label(s), "service": s.service, "kind": s.kind,
            "starts at": duration_ms((parse_time(s.start) - origin).total_seconds() * 1000),
            "duration": duration_ms(s.duration_ms), "status": s.status_code,
            "model": call.model if call else "", "input tokens": tokens(call.tokens.input) if call else "",
            "output tokens": tokens(call.tokens.output) if call else "",
            "cost (USD)": money_exact(call_amount(call)) if call else ""})
    return rows


def totals_tiles(detail: TraceDetail) -> dict[str, str]:
    """The trace's totals as tile label -> value."""
    t = detail.totals
    return {"Cost": money(t.cost), "Duration": duration_ms(t.duration_ms), "LLM calls": f"{t.llm_calls:,}",
            "Tokens": tokens(total_tokens(t.tokens)), "Spans": f"{t.spans:,}", "Errors": f"{t.errors:,}"}


def totals_caption(detail: TraceDetail) -> str:
    """The exact split of the cost, and what it leaves out."""
    t = detail.totals
    text = f"exact: {money_exact(t.cost)} = token cost {money_exact(t.token_cost)} + GPU cost {money_exact(t.gpu_cost)}"
    if t.unpriced_calls:
        text += f"; {t.unpriced_calls} call(s) without a price are not in it"
    return text + (" · more spans than the API returns: the list is cut" if detail.truncated else "")


def call_facts(call: LlmCall) -> dict[str, str]:
    """The call at a glance: who served it, with which model, for whom, how fast."""
    models = call.request_model if call.request_model == call.response_model or not call.response_model else \
        f"{call.request_model} → {call.response_model}"
    return {"provider": call.provider, "model": models, "operation": call.operation, "status": call.status
            + (f" ({call.error_type})" if call.error_type else ""), "team": call.team or MISSING,
            "feature": call.feature or MISSING, "user": call.user_id or MISSING,
            "time to first token": duration_ms(call.ttft_ms), "finish": ", ".join(call.finish_reasons) or MISSING,
            "host": call.host_name or MISSING}


def token_rows(call: LlmCall) -> list[dict[str, Any]]:
    """Tokens by kind beside the exact price of each kind (blank where the call has no token price)."""
    t, cost = call.tokens, call.cost.token if call.cost is not None else None
    kinds = (("input", t.input), ("cache read", t.cache_read), ("cache write", t.cache_write),
             ("output", t.output), ("reasoning", t.reasoning))
    parts = {} if cost is None else {"input": cost.input, "cache read": cost.cache_read,
                                     "cache write": cost.cache_write, "output": cost.output,
                                     "reasoning": cost.reasoning}
    rows = [{"kind": kind, "tokens": f"{n:,}", "price (USD)": money_exact(parts.get(kind))} for kind, n in kinds]
    if cost is not None and cost.request_fee:
        rows.append({"kind": "request fee", "tokens": "", "price (USD)": money_exact(cost.request_fee)})
    if cost is not None:
        rows.append({"kind": "token cost", "tokens": "", "price (USD)": money_exact(cost.total)})
    return rows


def cost_summary(cost: CallCost | None) -> str:
    """One line: what the call costs and why (token price, GPU share, or why there is no price)."""
    if cost is None:
        return "Not priced yet: the cost job has not reached this call."
    token = cost.token
    if cost.gpu_served and cost.gpu is not None:
        gpu = cost.gpu
        share = money_exact(gpu.amount) if gpu.priced else f"not priced ({gpu.price_source or 'no GPU price'})"
        return (f"Served by our GPUs on {gpu.host or MISSING}: its share of the host's GPU time is {share}; that is "
                f"what it costs (the token price would have been {money_exact(token.total)}).")
    if not token.priced:
        return f"No price: {token.reason or 'unknown reason'}. It adds nothing to the trace's cost."
    basis = f"catalog {token.catalog_version[:12]}, entry {token.entry_id}" + (f", tier {token.tier}" if token.tier else "")
    flags = f" (flags: {', '.join(token.flags)})" if token.flags else ""
    return f"Token price {money_exact(token.total)} {token.currency} by the {basis}{flags}."


def content(span: Span) -> Mapping[str, str]:
    """The prompt and completion attributes the API sent (only for projects that capture content, redacted)."""
    return {k: v for k, v in span.attributes.items() if k.startswith(CONTENT_PREFIXES)}
