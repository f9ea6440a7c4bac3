"""The trace explorer end to end: traces sent with the real OpenTelemetry SDK to a running service, priced by its
cost job, read back through the typed client: the list (root, service, duration, calls, error flag, exact cost),
one trace as a waterfall with each call's tokens and cost breakdown, totals that add up, and captured content only
where the project captures it."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from client.api import ApiClient, Query
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.stores import drop_database
from tests.helpers.trace_traffic import PROMPT, agent_trace, error_trace, rag_trace
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("traces-end-to-end")

CALLS = 2 + 2 + 3 + 1  # two RAG traces, the agent's three calls, the failed call


@pytest.fixture(scope="module")
def sent(chdb_dir):
    service = RunningService(make_settings("chdb", chdb_dir, costs={"interval_seconds": 1},
                                           content={"capture_projects": ["captured"]}))
    t0 = time.time_ns() - 600 * 10**9
    ids = {"rag": rag_trace(service.otlp_http, t0, project="captured"),
           "rag_stripped": rag_trace(service.otlp_http, t0 + 10**9, user="user-other"),
           "agent": agent_trace(service.otlp_http, t0 + 2 * 10**9),
           "error": error_trace(service.otlp_http, t0 + 3 * 10**9)}
    eventually(lambda: service.count("request_costs FINAL") == CALLS, timeout=60, what="every call priced")
    yield service, ids
    service.stop()
    drop_database(chdb_dir, None, service.settings.database)


@pytest.fixture
def api(sent):
    with ApiClient(sent[0].api) as client:
        yield client


def stored_cost(service: RunningService, trace_id: str) -> Decimal:
    return service.rows("SELECT sum(cost_total) AS c FROM request_costs FINAL WHERE trace_id = {t:String}",
                        {"t": trace_id})[0]["c"]


def test_the_list_has_one_row_per_trace_with_its_root_calls_and_error(sent, api):
    _, ids = sent
    page = api.traces(Query(since="1h"))
    rows = {r.trace_id: r for r in page.rows}
    assert set(rows) == set(ids.values()) and page.next_cursor is None
    assert [r.trace_id for r in page.rows] == [ids["error"], ids["agent"], ids["rag_stripped"], ids["rag"]]
    rag, agent, error = rows[ids["rag"]], rows[ids["agent"]], rows[ids["error"]]
    assert (rag.root_span_name, rag.service, rag.project, rag.llm_calls, rag.duration_ms, rag.error, rag.user_id) == (
        "POST /search", "rag-search", "captured", 2, 1200.0, False, "user-rag")
    assert (rag.tokens.input, rag.tokens.output, rag.tokens.cache_read) == (1212, 300, 1000)
    assert rag.models == ["gpt-4o", "text-embedding-3-small"]
    assert (agent.root_span_name, agent.service, agent.llm_calls, agent.duration_ms) == (
        "invoke_agent support", "support-agent", 3, 1010.0)
    assert (error.root_span_name, error.error, error.errors, error.duration_ms) == ("POST /chat", True, 1, 50.0)


def test_a_row_s_cost_is_the_exact_sum_of_its_calls_cost_rows(sent, api):
    service, ids = sent
    for row in api.traces(Query(since="1h")).rows:
        assert row.cost == stored_cost(service, row.trace_id) == row.token_cost + row.gpu_cost
        assert row.unpriced_calls == 0 or row.trace_id == ids["error"]


def test_status_and_q_select_traces(sent, api):
    _, ids = sent
    assert [r.trace_id for r in api.traces(Query(since="1h"), status="error").rows] == [ids["error"]]
    assert ids["error"] not in [r.trace_id for r in api.traces(Query(since="1h"), status="ok").rows]
    assert [r.trace_id for r in api.traces(Query(since="1h"), q=ids["agent"][:8]).rows] == [ids["agent"]]
    assert [r.trace_id for r in api.traces(Query(since="1h"), q="user-other").rows] == [ids["rag_stripped"]]
    assert [r.trace_id for r in api.traces(Query(since="1h"), q="SUPPORT").rows] == [ids["agent"]]
    mini = api.traces(Query(since="1h", models=("gpt-4o-mini",))).rows
    assert [(r.trace_id, r.llm_calls) for r in mini] == [(ids["agent"], 3)]  # the whole trace's calls


def test_one_trace_is_a_waterfall_parents_first_by_start(sent, api):
    _, ids = sent
    detail = api.trace(ids["agent"])
    assert [(s.name, s.depth) for s in detail.spans] == [
        ("invoke_agent support", 0), ("chat claude-sonnet-4", 1), ("execute_tool lookup_order", 1),
        ("invoke_agent refunds", 1), ("chat gpt-4o-mini", 2), ("chat claude-sonnet-4", 1)]
    by_id = {s.span_id: i for i, s in enumerate(detail.spans)}
    assert all(by_id[s.parent_span_id] < i for i, s in enumerate(detail.spans) if s.parent_span_id)
    assert [s.llm_call is not None for s in detail.spans] == [False, True, False, False, True, True]
    assert (detail.totals.spans, detail.totals.llm_calls, detail.totals.duration_ms) == (6, 3, 1010.0)


def test_totals_equal_the_sum_of_the_spans_costs_and_the_stored_rows(sent, api):
    service, ids = sent
    for trace_id in ids.values():
        detail = api.trace(trace_id)
        amounts = [s.llm_call.cost.amount or Decimal(0) for s in detail.spans if s.llm_call and s.llm_call.cost]
        assert detail.totals.cost == sum(amounts, Decimal(0)) == stored_cost(service, trace_id)
        row = api.traces(Query(since="1h"), q=trace_id).rows[0]
        assert (row.cost, row.llm_calls, row.tokens) == (detail.totals.cost, detail.totals.llm_calls,
                                                          detail.totals.tokens)


def test_a_call_span_carries_its_typed_call_and_cost_breakdown(sent, api):
    service, ids = sent
    chat = next(s for s in api.trace(ids["rag"]).spans if s.name == "chat gpt-4o")
    call = chat.llm_call
    assert (call.provider, call.model, call.tokens.input, call.tokens.cache_read, call.ttft_ms) == (
        "openai", "gpt-4o", 1200, 1000, 250.0)
    token = call.cost.token
    [stored] = service.rows("SELECT * FROM request_costs FINAL WHERE span_id = {s:String}", {"s": chat.span_id})
    assert (token.input, token.cache_read, token.output, token.total) == (
        stored["cost_input"], stored["cost_cache_read"], stored["cost_output"], stored["cost_total"])
    assert token.priced and token.entry_id == stored["entry_id"] != "" and token.catalog_version != ""
    assert (call.cost.amount, call.cost.gpu_served, call.cost.gpu) == (stored["cost_total"], False, None)


def test_content_appears_only_where_the_project_captures_it_redacted(sent, api):
    _, ids = sent
    captured = next(s for s in api.trace(ids["rag"]).spans if s.name == "chat gpt-4o")
    stripped = next(s for s in api.trace(ids["rag_stripped"]).spans if s.name == "chat gpt-4o")
    messages = captured.attributes["gen_ai.input.messages"]
    assert captured.content == "redacted" and "what is my order status?" in messages
    assert "jane@example.com" not in messages and PROMPT not in messages
    assert stripped.content == "stripped" and "gen_ai.input.messages" not in stripped.attributes


def test_an_unknown_trace_is_a_404_and_a_malformed_id_a_400(sent):
    import httpx

    service, _ = sent
    missing = httpx.get(f"{service.api}/api/v1/traces/{'0' * 32}", timeout=10)
    assert missing.status_code == 404 and missing.json() == {"error": f"no trace with id {'0' * 32}"}
    bad = httpx.get(f"{service.api}/api/v1/traces/not-a-trace", timeout=10)
    assert bad.status_code == 400 and "32 hexadecimal digits" in bad.json()["error"]
