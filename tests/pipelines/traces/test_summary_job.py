"""The trace summary job against the real store: its rows equal what the list computes from the calls, through a
retried span, a root span that arrives after its calls, a re-priced call, a GPU allocation hours later and a late
call that moves a trace to another hour; a trace ingested after the job ran is listed at once; and paging across
the summarised rows and the fresh tail neither repeats nor skips a trace, even when the job runs between pages.

Rows are written as the collector, the cost job and the GPU cost job write them (llm_calls, otel_traces,
request_costs, request_gpu_costs with its run, the rollup queue); the cost job's progress is its watermark."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from pipelines.traces.summary_job import run_trace_summary_job
from store import query_rows
from store.params import time_param
from store.queries import watermarks
from store.queries.cost_rollup import queue_slices
from store.queries.filters import Filters
from store.queries.traces import After, TraceListQuery, sort_key, trace_list

NOW = datetime.now(timezone.utc).replace(microsecond=0)
T0 = (NOW - timedelta(hours=3)).replace(minute=30, second=0)
RANGE = Filters(T0 - timedelta(hours=2), NOW)
NS = "DateTime64(9, 'UTC')"


def _ns(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def call(store, trace: str, span: str, at: datetime, model: str = "gpt-4o", tokens: int = 100,
         service: str = "svc", status: str = "ok") -> None:
    store.command(f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, parent_span_id, project, service_name, request_model,
    input_tokens, output_tokens, duration_ns, status, team, user_id)
VALUES ({{at:{NS}}}, {{trace:String}}, {{span:String}}, 'root-{trace}', 'p', {{service:String}}, {{model:String}},
    {{tokens:Int64}}, 10, 200000000, {{status:String}}, 'team-a', 'user-1')""",
                  {"at": _ns(at), "trace": trace, "span": span, "service": service, "model": model, "tokens": tokens,
                   "status": status})


def price(store, span: str, amount: str) -> None:
    """The cost row of a call, as the cost job writes it (a later one re-prices it), and its slice queued with the
    row's version."""
    version = datetime.now(timezone.utc)
    store.command("""
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, team, user_id, model, input_tokens,
    output_tokens, status, priced, currency, cost_input, cost_total, catalog_version, priced_at)
SELECT timestamp, trace_id, span_id, project, service_name, team, user_id, model, input_tokens, output_tokens,
    status, true, 'USD', toDecimal128({amount:String}, 12), toDecimal128({amount:String}, 12), 'v1',
    {version:DateTime64(3, 'UTC')}
FROM llm_calls FINAL WHERE span_id = {span:String}""", {"span": span, "amount": amount,
                                                        "version": time_param(version, 3)})
    queue_slices(store, slice_of(store, span), priced_at=version)


def slice_of(store, span: str) -> list[datetime]:
    return [r["s"] for r in query_rows(store, "SELECT DISTINCT toDateTime64(toStartOfFiveMinutes(timestamp), 0, 'UTC') "
                                              "AS s FROM llm_calls WHERE span_id = {span:String}", {"span": span})]


def root(store, trace: str, at: datetime, ms: int, name: str = "POST /ask", error: bool = False) -> None:
    store.command(f"""
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, Duration,
    StatusCode)
VALUES ({{at:{NS}}}, {{trace:String}}, concat('root-', {{trace:String}}), '', {{name:String}}, 'Server', 'gateway',
    {{d:UInt64}}, {{status:String}})""",
                  {"at": _ns(at), "trace": trace, "name": name, "d": ms * 10**6, "status": "Error" if error else "Unset"})


def allocate_gpu(store, span: str, amount: str) -> None:
    """A GPU cost run that serves the call, as the GPU cost job writes it, and its slice queued with source gpu."""
    store.command("""
INSERT INTO request_gpu_costs (hour, timestamp, trace_id, span_id, project, service_name, model, host_name, gpu_host,
    input_tokens, output_tokens, priced, gpu_cost, price_source, currency, computed_at)
SELECT toStartOfHour(timestamp), timestamp, trace_id, span_id, project, service_name, model, 'gpu-a', 'gpu-a',
    input_tokens, output_tokens, true, toDecimal128({amount:String}, 12), 'model:H100', 'USD', now64(3)
FROM llm_calls FINAL WHERE span_id = {span:String}""", {"span": span, "amount": amount})
    store.command("INSERT INTO gpu_cost_runs (hour, computed_at) SELECT DISTINCT hour, max(computed_at) "
                  "FROM request_gpu_costs GROUP BY hour")
    queue_slices(store, slice_of(store, span), source="gpu")


def priced_up_to_now(store) -> None:
    """The cost job's watermark: every call ingested so far is priced."""
    now = datetime.now(timezone.utc)
    watermarks.set_watermark(store, "costs", now, now)


def run_job(store) -> dict:
    return run_trace_summary_job(store, datetime.now(timezone.utc),
                                 safety_delay=timedelta(0))


def listed(store, **kwargs) -> dict[str, dict]:
    return {r["trace_id"]: r for r in trace_list(store, TraceListQuery(RANGE, limit=1000, **kwargs))}


def versions(store) -> dict[str, datetime]:
    return {r["trace_id"]: r["at"] for r in query_rows(
        store, "SELECT trace_id, max(computed_at) AS at FROM trace_summaries GROUP BY trace_id")}


def stored(store) -> list[dict]:
    return query_rows(store, "SELECT trace_id, hour, root_found FROM trace_summaries FINAL ORDER BY trace_id")


def computed_from_calls(store) -> dict[str, dict]:
    """What the list computes from the calls alone: the job's calls watermark taken back to the epoch."""
    mark = watermarks.watermark(store, "trace-summaries-calls")
    watermarks.set_watermark(store, "trace-summaries-calls", datetime(1970, 1, 1, tzinfo=timezone.utc),
                             datetime.now(timezone.utc) + timedelta(days=1))
    try:
        return listed(store)
    finally:
        watermarks.set_watermark(store, "trace-summaries-calls", mark, datetime.now(timezone.utc) + timedelta(days=2))


def test_summaries_equal_the_calls_through_retries_late_roots_repricing_gpu_and_a_moved_hour(store):
    call(store, "a", "a1", T0, tokens=100)
    call(store, "a", "a2", T0 + timedelta(seconds=1), model="gpt-4o-mini", tokens=300, status="error")
    call(store, "b", "b1", T0 + timedelta(minutes=1))
    call(store, "c", "c1", T0 + timedelta(minutes=2))
    call(store, "d", "d1", T0 + timedelta(minutes=3), model="llama-3-70b")
    call(store, "e", "e1", T0 + timedelta(minutes=40))
    for span, amount in (("a1", "0.001"), ("a2", "0.002"), ("b1", "0.01"), ("c1", "0.5"), ("d1", "0"), ("e1", "0.25")):
        price(store, span, amount)
    root(store, "b", T0 + timedelta(minutes=1) - timedelta(milliseconds=5), 900)
    priced_up_to_now(store)
    run_job(store)
    before = listed(store)
    assert set(before) == {"a", "b", "c", "d", "e"} and not before["a"]["root_found"]
    assert before["b"]["root_span_name"] == "POST /ask" and before["b"]["service"] == "gateway"

    call(store, "b", "b1", T0 + timedelta(minutes=1))  # the span delivered again (an exporter's retry)
    price(store, "b1", "0.01")
    root(store, "a", T0 - timedelta(milliseconds=20), 1500, name="POST /chat", error=True)  # the root comes last
    price(store, "c1", "0.75")  # re-priced under a new catalog
    allocate_gpu(store, "d1", "0.123456789012")  # the GPU cost job, hours later
    call(store, "e", "e0", T0 - timedelta(minutes=40))  # a late call earlier than e's first: another hour
    price(store, "e0", "0.05")
    priced_up_to_now(store)
    run_job(store)

    after, raw = listed(store), computed_from_calls(store)
    assert after == raw
    assert [r["trace_id"] for r in stored(store)] == ["a", "b", "c", "d", "e"]  # e's old hour is gone
    a, b, c, d, e = (after[t] for t in "abcde")
    assert (a["root_span_name"], a["service"], a["error"], a["calls"], a["errors"]) == ("POST /chat", "gateway", True, 2, 1)
    assert (a["cost"], a["input_tokens"], a["models"], a["duration_ns"]) == (
        Decimal("0.003"), 400, ["gpt-4o", "gpt-4o-mini"], 1500 * 10**6)
    assert (b["calls"], b["cost"], c["cost"]) == (1, Decimal("0.01"), Decimal("0.75"))
    assert (d["cost"], d["gpu_cost"], d["unpriced_calls"]) == (Decimal("0.123456789012"),) * 2 + (0,)
    assert (e["calls"], e["cost"], e["start_ns"]) == (2, Decimal("0.3"), int((T0 - timedelta(minutes=40)).timestamp()) * 10**9)


def test_a_trace_ingested_after_the_job_ran_is_listed_at_once(store):
    call(store, "old", "o1", T0)
    price(store, "o1", "0.1")
    priced_up_to_now(store)
    run_job(store)
    call(store, "new", "n1", T0 + timedelta(minutes=5), tokens=7)
    rows = listed(store)
    assert set(rows) == {"old", "new"} and (rows["new"]["calls"], rows["new"]["input_tokens"]) == (1, 7)
    assert [r["trace_id"] for r in stored(store)] == ["old"]


def _pages(store, query: TraceListQuery, between=lambda: None) -> list[str]:
    seen, after = [], None
    while True:
        page = trace_list(store, replace(query, after=after))
        seen += [r["trace_id"] for r in page]
        between()
        if len(page) < query.limit:
            return seen
        after = After(sort_key(page[-1], query.sort), page[-1]["trace_id"])


def test_paging_across_the_summary_and_the_tail_neither_repeats_nor_skips(store):
    for i in range(6):  # summarised: costs 0.01 .. 0.06, one tie with the tail
        call(store, f"s{i}", f"s{i}", T0 + timedelta(seconds=i))
        price(store, f"s{i}", f"0.0{i + 1}")
    priced_up_to_now(store)
    run_job(store)
    for i in range(4):  # the tail: costs 0.015, 0.025, 0.035, 0.045 and a tie at 0.03
        call(store, f"t{i}", f"t{i}", T0 + timedelta(seconds=10 + i))
        price(store, f"t{i}", ["0.015", "0.025", "0.03", "0.045"][i])
    expected = sorted(listed(store).values(), key=lambda r: (-r["cost"], r["trace_id"]))
    assert len(expected) == 10
    query = TraceListQuery(RANGE, sort="cost", limit=3)
    assert _pages(store, query) == [r["trace_id"] for r in expected]
    priced_up_to_now(store)
    runs = []
    assert _pages(store, query, between=lambda: runs.append(run_job(store))) == [r["trace_id"] for r in expected]
    assert len(stored(store)) == 10


def test_a_trace_is_listed_in_the_range_of_its_first_call_with_all_its_calls(store):
    call(store, "x", "x1", RANGE.since - timedelta(minutes=10), tokens=1)
    call(store, "x", "x2", RANGE.since + timedelta(minutes=10), tokens=2)
    call(store, "y", "y1", RANGE.since + timedelta(minutes=20), tokens=4)
    earlier = TraceListQuery(Filters(RANGE.since - timedelta(hours=1), RANGE.since + timedelta(minutes=1)))
    for _ in ("computed from the calls", "summarised"):
        assert set(listed(store)) == {"y"}
        [x] = trace_list(store, earlier)
        assert (x["trace_id"], x["calls"], x["input_tokens"]) == ("x", 2, 3)
        priced_up_to_now(store)
        run_job(store)
    assert [r["trace_id"] for r in stored(store)] == ["x", "y"]


def test_newest_first_pages_read_from_the_last_hour_or_day_equal_the_whole_range(store):
    """A page read from the window before its anchor is taken only when no earlier trace can outrank it: roots
    that start half an hour before their first call straddle the window's edge."""
    until = NOW.replace(minute=0) - timedelta(minutes=1)
    # One every 20 minutes for ten hours, then one every five hours for two days; every third with an early root.
    offsets = [7 + 20 * i for i in range(30)] + [607 + 300 * i for i in range(10)]
    for i, minutes in enumerate(offsets):
        first = until - timedelta(minutes=minutes)
        call(store, f"r{i:02d}", f"c{i}", first)
        if i % 3 == 2:
            root(store, f"r{i:02d}", first - timedelta(minutes=30 + i % 5), 40 * 60 * 1000)
        if i == 20:  # the older half summarised, the newer half the tail
            priced_up_to_now(store)
            run_job(store)
    month = Filters(until - timedelta(days=30), until)
    whole = [r["trace_id"] for r in trace_list(store, TraceListQuery(month, limit=1000))]
    assert len(whole) == 40 and whole != sorted(whole), "early roots reorder some traces"
    for limit in (3, 8):
        assert _pages(store, TraceListQuery(month, limit=limit)) == whole, limit


def test_a_re_priced_call_recomputes_its_trace_not_the_others_of_its_slice(store):
    for trace in ("a", "b"):  # the same five-minute slice
        call(store, trace, f"{trace}1", T0 + timedelta(seconds=ord(trace)))
        price(store, f"{trace}1", "0.1")
    priced_up_to_now(store)
    run_job(store)
    before = versions(store)
    price(store, "a1", "0.7")
    run_job(store)
    after = versions(store)
    assert after["a"] > before["a"] and after["b"] == before["b"]
    assert listed(store)["a"]["cost"] == Decimal("0.7")
    queue_slices(store, slice_of(store, "b1"))  # queued without a version (before migration 28): the whole slice
    run_job(store)
    assert all(at > after[trace] for trace, at in versions(store).items())
