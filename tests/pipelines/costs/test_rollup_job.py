"""The rollup job against the real store: small hours whole, big hours by their queued five-minute slices."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pipelines.costs.rollup_job import run_rollup_job
from store import query_rows
from store.queries import cost_rollup, spend
from store.queries.cost_rollup import queue_slices
from store.queries.filters import Filters
from tests.helpers.catalogs import utc

T0 = utc(2026, 11, 20, 12, 0, 0)
COLUMNS = "timestamp, trace_id, span_id, project, team, model, user_id, status, priced, cost_total, catalog_version"


def cost_row(store, span: str, at: datetime, user: str, cost: str, status: str = "ok") -> None:
    store.command(f"INSERT INTO request_costs ({COLUMNS}, priced_at) VALUES ({{at:DateTime64(9, 'UTC')}}, 't', "
                  "{span:String}, 'p', 'ml', 'm', {user:String}, {status:String}, true, {cost:Decimal(38, 12)}, "
                  "'v1', now64(3))",
                  {"at": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "span": span, "user": user, "cost": cost,
                   "status": status})


def roll_up(store) -> dict:
    """A run now: the queue is stamped with the store's clock."""
    return run_rollup_job(store, datetime.now(timezone.utc), safety_delay=timedelta(0))


def hour_from_rollup(store, hour: datetime) -> dict:
    [row] = query_rows(store, """
SELECT sum(calls) AS calls, sum(successful_calls) AS ok, uniqExactMerge(users) AS users, sum(cost_total) AS cost,
       sum(successful_cost) AS ok_cost
FROM cost_hourly FINAL WHERE hour = {hour:DateTime('UTC')}""", {"hour": hour.strftime("%Y-%m-%d %H:%M:%S")})
    return row


def hour_from_cost_rows(store, hour: datetime) -> dict:
    [row] = query_rows(store, """
SELECT count() AS calls, countIf(status != 'error') AS ok, uniqExactIf(user_id, user_id != '') AS users,
       toDecimal128(sum(cost_total), 12) AS cost, toDecimal128(sumIf(cost_total, status != 'error'), 12) AS ok_cost
FROM request_costs FINAL WHERE toStartOfHour(timestamp) = {hour:DateTime('UTC')}""",
                       {"hour": hour.strftime("%Y-%m-%d %H:%M:%S")})
    return row


@pytest.fixture
def every_hour_big(monkeypatch):
    """Roll every hour up by slice, as hours over SLICED_ABOVE cost rows are."""
    monkeypatch.setattr(cost_rollup, "SLICED_ABOVE", 0)


def slice_times(store) -> dict[datetime, datetime]:
    rows = query_rows(store, "SELECT toDateTime64(slice, 0, 'UTC') AS slice, max(computed_at) AS at "
                             "FROM cost_slices GROUP BY slice ORDER BY slice")
    return {r["slice"]: r["at"] for r in rows}


def test_a_big_hour_recomputes_only_the_queued_slices_and_equals_its_cost_rows(store, every_hour_big):
    cost_row(store, "a", T0 + timedelta(minutes=1), "u1", "0.10")
    cost_row(store, "b", T0 + timedelta(minutes=7), "u2", "0.20", status="error")
    queue_slices(store, [T0, T0 + timedelta(minutes=5)])
    first = roll_up(store)
    assert (first["slices"], first["hours"]) == (2, 1)
    before = slice_times(store)
    assert list(before) == [T0, T0 + timedelta(minutes=5)]

    cost_row(store, "c", T0 + timedelta(minutes=12), "u1", "0.05")
    queue_slices(store, [T0 + timedelta(minutes=10)])
    second = roll_up(store)
    assert (second["slices"], second["hours"]) == (1, 1)
    after = slice_times(store)
    assert {s: after[s] for s in before} == before  # the first two slices were not re-read
    assert after[T0 + timedelta(minutes=10)] > before[T0]
    want = hour_from_cost_rows(store, T0)
    assert hour_from_rollup(store, T0) == want
    assert (want["calls"], want["ok"], want["users"], want["cost"], want["ok_cost"]) == (
        3, 2, 2, Decimal("0.35"), Decimal("0.15"))


@pytest.mark.parametrize("grain", ["whole-hour", "by-slice"])
def test_a_re_priced_call_replaces_its_cost_in_its_hour(store, monkeypatch, grain):
    if grain == "by-slice":
        monkeypatch.setattr(cost_rollup, "SLICED_ABOVE", 0)
    cost_row(store, "a", T0 + timedelta(minutes=1), "u1", "0.10")
    queue_slices(store, [T0])
    roll_up(store)
    cost_row(store, "a", T0 + timedelta(minutes=1), "u1", "0.40")  # a newer pricing of the same call
    queue_slices(store, [T0])
    roll_up(store)
    assert hour_from_rollup(store, T0)["cost"] == Decimal("0.4") and hour_from_rollup(store, T0)["calls"] == 1
    assert bool(slice_times(store)) == (grain == "by-slice")


def test_a_small_hour_is_recomputed_whole_without_slices(store):
    for i, minute in enumerate((2, 31, 58)):
        cost_row(store, f"s{i}", T0 + timedelta(minutes=minute), f"u{i % 2}", "0.01")
    queue_slices(store, [T0 + timedelta(minutes=30)])
    assert roll_up(store)["hours"] == 1
    assert slice_times(store) == {}
    assert hour_from_rollup(store, T0) == hour_from_cost_rows(store, T0)
    assert (hour_from_rollup(store, T0)["calls"], hour_from_rollup(store, T0)["users"]) == (3, 2)


def test_an_hour_growing_big_gets_all_its_slices_the_first_time(store, monkeypatch):
    """Rolled up whole while small (or queued before migration 13, which names only its hour), an hour
    over the threshold has every slice computed, not just the queued one."""
    for i, minute in enumerate((2, 31, 58)):
        cost_row(store, f"s{i}", T0 + timedelta(minutes=minute), f"u{i}", "0.01")
    store.command("INSERT INTO cost_rollup_queue (hour) VALUES ({hour:DateTime('UTC')})",
                  {"hour": T0.strftime("%Y-%m-%d %H:%M:%S")})
    roll_up(store)
    assert slice_times(store) == {}
    monkeypatch.setattr(cost_rollup, "SLICED_ABOVE", 3)
    cost_row(store, "s3", T0 + timedelta(minutes=59), "u0", "0.02")
    queue_slices(store, [T0 + timedelta(minutes=55)])
    assert roll_up(store)["slices"] == 1
    assert list(slice_times(store)) == [T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=55)]
    assert hour_from_rollup(store, T0) == hour_from_cost_rows(store, T0)
    assert hour_from_rollup(store, T0)["calls"] == 4


def test_slices_of_a_new_big_hour_are_all_computed_when_it_is_first_queued(store, every_hour_big):
    """A late call queues only its own slice; if its hour has no slices yet, the others are computed too."""
    cost_row(store, "early", T0 + timedelta(minutes=3), "u1", "0.01")
    cost_row(store, "late", T0 + timedelta(minutes=44), "u2", "0.02")
    queue_slices(store, [T0 + timedelta(minutes=40)])
    roll_up(store)
    assert list(slice_times(store)) == [T0, T0 + timedelta(minutes=40)]
    assert hour_from_rollup(store, T0) == hour_from_cost_rows(store, T0)


def spend_of_cost_rows(store, since: datetime, until: datetime) -> dict:
    [row] = query_rows(store, """
SELECT count() AS calls, uniqExactIf(user_id, user_id != '') AS users, toDecimal128(sum(cost_total), 12) AS cost
FROM request_costs FINAL WHERE timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}""",
                       {"since": since.strftime("%Y-%m-%d %H:%M:%S"), "until": until.strftime("%Y-%m-%d %H:%M:%S")})
    return row


@pytest.mark.parametrize("grain", ["whole-hour", "by-slice"])
def test_whole_days_are_read_from_the_day_rollup_and_a_re_pricing_reaches_its_day(store, monkeypatch, grain):
    if grain == "by-slice":
        monkeypatch.setattr(cost_rollup, "SLICED_ABOVE", 0)
    start = utc(2026, 11, 17, 20, 0, 0)
    times = [start + timedelta(minutes=37 * i) for i in range(150)]  # the 17th's evening to the 21st
    for i, at in enumerate(times):
        cost_row(store, f"c{i}", at, f"u{i % 23}", f"0.{i % 7 + 1:02d}")
    queue_slices(store, sorted({at.replace(minute=at.minute - at.minute % 5) for at in times}))
    roll_up(store)
    days = query_rows(store, "SELECT toDate(day) AS day, sum(calls) AS calls FROM cost_daily FINAL GROUP BY day "
                             "ORDER BY day")
    assert [(str(d["day"]), d["calls"]) for d in days] == [
        (day, sum(str(at.date()) == day for at in times)) for day in ("2026-11-17", "2026-11-18", "2026-11-19",
                                                                      "2026-11-20", "2026-11-21")]
    since, until = utc(2026, 11, 17, 23, 0, 0), utc(2026, 11, 20, 5, 0, 0)  # the 18th and 19th whole
    assert spend.whole_days(since, until) == (utc(2026, 11, 18, 0, 0, 0), utc(2026, 11, 20, 0, 0, 0))

    def answered() -> dict:
        _, total = spend.breakdown(store, Filters(since, until), ["model"], 10)
        return {"calls": total["calls"], "users": total["users"], "cost": total["cost"]}

    assert answered() == spend_of_cost_rows(store, since, until)
    cost_row(store, "c40", times[40], "u-new", "9.00")  # a newer pricing of a call on the 19th
    queue_slices(store, [times[40].replace(minute=times[40].minute - times[40].minute % 5)])
    roll_up(store)
    assert answered() == spend_of_cost_rows(store, since, until)
    assert answered()["cost"] > Decimal("9")


def test_unpriced_calls_read_through_the_rollup_equal_the_cost_rows(store):
    """The unpriced list reads only the cost rows of the groups and hours the rollup counts unpriced calls in."""
    start = utc(2026, 11, 17, 20, 0, 0)
    groups = [("p", "chat", "openai", "m"), ("p", "rag", "openai", "mystery"), ("q", "chat", "acme", "x-1")]
    for i in range(120):
        project, service, provider, model = groups[i % 3]
        priced = model == "m" or i % 5 != 0  # unpriced: a few calls of two groups, on some days
        store.command("""
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, provider, model, priced, reason,
    cost_total, catalog_version, priced_at)
VALUES ({at:DateTime64(9, 'UTC')}, 't', {span:String}, {project:String}, {service:String}, {provider:String},
    {model:String}, {priced:Bool}, {reason:String}, if({priced:Bool}, toDecimal128(0.01, 12), NULL), 'v1', now64(3))""",
                      {"at": (start + timedelta(minutes=41 * i)).strftime("%Y-%m-%d %H:%M:%S.%f"), "span": f"c{i}",
                       "project": project, "service": service, "provider": provider, "model": model,
                       "priced": "true" if priced else "false", "reason": "" if priced else f"no price for {model}"})
    queue_slices(store, [start + timedelta(minutes=5 * i) for i in range(12 * 24 * 4)])
    roll_up(store)

    def from_cost_rows(since: datetime, until: datetime) -> list[tuple]:
        rows = query_rows(store, """
SELECT provider, model, reason AS why, count() AS calls FROM request_costs FINAL
WHERE NOT priced AND timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}
GROUP BY provider, model, why""", {"since": since.strftime("%Y-%m-%d %H:%M:%S"),
                                   "until": until.strftime("%Y-%m-%d %H:%M:%S")})
        return sorted((r["provider"], r["model"], r["why"], r["calls"]) for r in rows)

    for since, until in [(start, start + timedelta(days=4)), (utc(2026, 11, 18, 0, 0, 0), utc(2026, 11, 20, 0, 0, 0)),
                         (utc(2026, 11, 18, 7, 0, 0), utc(2026, 11, 18, 9, 0, 0))]:
        found = spend.unpriced(store, Filters(since, until), frozenset())
        assert sorted((g["provider"], g["model"], g["why"], g["calls"]) for g in found.groups) == \
            from_cost_rows(since, until)
        assert found.gpu_priced_calls == 0
    assert spend.unpriced(store, Filters(start, start + timedelta(days=4)), frozenset()).groups, "some are unpriced"
