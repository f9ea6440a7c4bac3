"""GET /api/v1/traces on a running service over known traces: sorts, keyset paging across pages with ties, filters,
min_cost and min_duration, the GPU cost of a GPU-served call (request_gpu_costs rows written directly), and the
400s a bad parameter gets. The spans are sent with the real OpenTelemetry SDK; the cost rows are written here with
known amounts (the service runs without its scheduler, so no job overwrites them)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from client.api import ApiClient, Query
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.stores import drop_database
from tests.helpers.trace_traffic import MS, chat, sender
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("traces-api")

RATE = Decimal("0.000001")  # per input token
GPU_AMOUNT = Decimal("0.012345678901")


@dataclass(frozen=True)
class Spec:
    service: str
    model: str
    team: str
    input_tokens: int
    duration_ms: int
    start_s: int


# Ties on purpose: 0 and 1 share everything but their trace id; 2 and 6 share cost; 3 and 6 duration.
SPECS = (Spec("svc-a", "gpt-4o", "t1", 1000, 500, 0), Spec("svc-a", "gpt-4o", "t1", 1000, 500, 0),
         Spec("svc-a", "gpt-4o-mini", "t2", 2000, 300, 1), Spec("svc-b", "gpt-4o", "t2", 1000, 800, 2),
         Spec("svc-b", "llama-3-70b", "t1", 500, 500, 3), Spec("svc-b", "gpt-4o-mini", "t1", 3000, 100, 3),
         Spec("svc-a", "gpt-4o", "t2", 2000, 800, 4))
GPU = "llama-3-70b"
PRICE = f"""
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, team, feature, user_id, provider,
    model, input_tokens, output_tokens, status, priced, reason, currency, cost_input, cost_total, catalog_version,
    entry_id, priced_at)
SELECT timestamp, trace_id, span_id, project, service_name, team, feature, user_id, provider, model, input_tokens,
    output_tokens, status, model != '{GPU}', if(model = '{GPU}', 'no price for vllm/{GPU}', ''), 'USD',
    if(model = '{GPU}', NULL, toDecimal128(input_tokens, 12) * toDecimal128('{RATE}', 12)) AS amount, amount, 'v-test',
    if(model = '{GPU}', '', concat('openai/', model)), now64(3)
FROM llm_calls FINAL"""
GPU_ROWS = f"""
INSERT INTO request_gpu_costs (hour, timestamp, trace_id, span_id, project, service_name, model, host_name, gpu_host,
    input_tokens, output_tokens, priced, gpu_cost, price_source, currency, computed_at)
SELECT toStartOfHour(timestamp), timestamp, trace_id, span_id, project, service_name, model, 'gpu-a', 'gpu-a',
    input_tokens, output_tokens, true, toDecimal128('{GPU_AMOUNT}', 12), 'model:H100', 'USD', now64(3)
FROM llm_calls FINAL WHERE model = '{GPU}'"""
RUNS = f"""
INSERT INTO gpu_cost_runs (hour, computed_at)
SELECT DISTINCT toStartOfHour(timestamp), (SELECT max(computed_at) FROM request_gpu_costs)
FROM llm_calls FINAL WHERE model = '{GPU}'"""


@pytest.fixture(scope="module")
def seeded(chdb_dir):
    service = RunningService(make_settings("chdb", chdb_dir, roles=("collector", "api")))
    t0 = time.time_ns() - 900 * 10**9
    ids = []
    for spec in SPECS:
        s = sender(service.otlp_http, spec.service)
        start = t0 + spec.start_s * 10**9
        root = s.tracer.start_span("handle", start_time=start)
        s.span(f"chat {spec.model}", start + 10 * MS, start + 20 * MS, root,
               **chat(spec.model, "vllm" if spec.model == GPU else "openai", spec.input_tokens, 10,
                      spyglass__team=spec.team, user__id=f"user-{spec.team}"))
        root.end(end_time=start + spec.duration_ms * MS)
        s.provider.shutdown()
        ids.append(format(root.get_span_context().trace_id, "032x"))
    eventually(lambda: service.count("llm_calls") == len(SPECS), what="the calls stored")
    for sql in (PRICE, GPU_ROWS, RUNS):
        service.store.command(sql)
    yield service, ids
    service.stop()
    drop_database(chdb_dir, None, service.settings.database)


@pytest.fixture
def api(seeded):
    with ApiClient(seeded[0].api) as client:
        yield client


def cost(spec: Spec) -> Decimal:
    return GPU_AMOUNT if spec.model == GPU else spec.input_tokens * RATE


def expected(ids: list[str], key) -> list[str]:
    return [trace_id for _, trace_id in sorted(((key(spec), i) for spec, i in zip(SPECS, ids, strict=True)),
                                               key=lambda pair: (-pair[0], pair[1]))]


KEYS = {"cost": cost, "duration": lambda s: s.duration_ms, "time": lambda s: s.start_s}


@pytest.mark.parametrize("sort", list(KEYS))
def test_pages_continue_exactly_after_the_last_row_through_ties(seeded, api, sort):
    _, ids = seeded
    first = api.traces(Query(since="1h"), sort=sort, limit=100)
    query, pages, cursor = Query(since=first.since, until=first.until), [], None
    while True:
        page = api.traces(query, sort=sort, limit=2, cursor=cursor)
        pages.append([r.trace_id for r in page.rows])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [r.trace_id for r in first.rows] == expected(ids, KEYS[sort])
    assert [trace_id for page in pages for trace_id in page] == expected(ids, KEYS[sort])
    assert [len(page) for page in pages] == [2, 2, 2, 1]


def test_each_row_costs_its_calls_by_the_spend_rule(seeded, api):
    _, ids = seeded
    rows = {r.trace_id: r for r in api.traces(Query(since="1h"), limit=100).rows}
    for spec, trace_id in zip(SPECS, ids, strict=True):
        row = rows[trace_id]
        gpu = spec.model == GPU
        assert (row.cost, row.gpu_cost, row.token_cost) == (cost(spec), cost(spec) if gpu else 0,
                                                            0 if gpu else cost(spec))
        assert (row.duration_ms, row.tokens.input, row.service, row.team) == (
            spec.duration_ms, spec.input_tokens, spec.service, spec.team)


def test_the_gpu_served_call_shows_its_gpu_share(seeded, api):
    _, ids = seeded
    trace_id = ids[[s.model for s in SPECS].index(GPU)]
    call = next(s.llm_call for s in api.trace(trace_id).spans if s.llm_call)
    assert (call.cost.gpu_served, call.cost.amount, call.cost.priced) == (True, GPU_AMOUNT, True)
    assert (call.cost.gpu.host, call.cost.gpu.price_source, call.cost.gpu.amount) == ("gpu-a", "model:H100", GPU_AMOUNT)
    assert (call.cost.token.priced, call.cost.token.reason) == (False, f"no price for vllm/{GPU}")
    assert api.trace(trace_id).totals.gpu_cost == GPU_AMOUNT


@pytest.mark.parametrize("params, keep", [
    ({"service": "svc-b"}, lambda s: s.service == "svc-b"),
    ({"model": "gpt-4o-mini"}, lambda s: s.model == "gpt-4o-mini"),
    ({"team": "t2", "service": "svc-a"}, lambda s: s.team == "t2" and s.service == "svc-a"),
    ({"user": "user-t1"}, lambda s: s.team == "t1"),
    ({"min_cost": "0.002"}, lambda s: cost(s) >= Decimal("0.002")),
    ({"min_duration": "500"}, lambda s: s.duration_ms >= 500),
    ({"min_duration": "0.8s"}, None),
    ({"min_duration": "800ms"}, lambda s: s.duration_ms >= 800),
])
def test_filters_are_exact(seeded, params, keep):
    service, ids = seeded
    response = httpx.get(f"{service.api}/api/v1/traces", params={"since": "1h", **params}, timeout=10)
    if keep is None:
        assert response.status_code == 400 and "min_duration" in response.json()["error"]
        return
    got = {row["trace_id"] for row in response.json()["rows"]}
    assert got == {trace_id for spec, trace_id in zip(SPECS, ids, strict=True) if keep(spec)}


@pytest.mark.parametrize("params, message", [
    ({"sort": "tokens"}, "sort: 'tokens' is not one of time, cost, duration"),
    ({"status": "unset"}, "status: 'unset' is not ok or error"),
    ({"min_cost": "cheap"}, "min_cost: 'cheap' is not a decimal amount"),
    ({"min_cost": "-1"}, "min_cost: '-1' is not a decimal amount of at least 0"),
    ({"min_duration": "fast"}, "min_duration: 'fast' is neither a number of milliseconds"),
    ({"cursor": "garbage!"}, "cursor: not a cursor of GET /api/v1/traces"),
    ({"cursor": base64.urlsafe_b64encode(b'["time", "99999999999999999999", "ab"]').decode()},
     "cursor: not a cursor of GET /api/v1/traces"),
    ({"limit": "0"}, "invalid parameters: limit"),
    ({"since": "yesterday"}, "since: 'yesterday' is neither RFC 3339"),
])
def test_bad_values_are_400s_that_say_why(seeded, params, message):
    response = httpx.get(f"{seeded[0].api}/api/v1/traces", params=params, timeout=10)
    assert response.status_code == 400 and message in response.json()["error"], response.text


def test_a_cursor_of_another_sort_is_refused(seeded, api):
    cursor = api.traces(Query(since="1h"), sort="cost", limit=1).next_cursor
    response = httpx.get(f"{seeded[0].api}/api/v1/traces", params={"sort": "time", "cursor": cursor}, timeout=10)
    assert response.status_code == 400 and "sorted by cost, not by time" in response.json()["error"]
