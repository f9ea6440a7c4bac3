"""The changes job over real traffic: calls of versioned services sent through the real OpenTelemetry SDK to a
running service, the job driven directly at the real time (its scheduled run would wait a minute).

Each new service version, prompt version, model, snapshot and provider is recorded once, at its first call, with
the value it replaced; a second run, a late span and a restart record nothing again; a value back after the
look-back is new again; a new price catalog version is a change.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipelines.costs.catalog import Catalog
from releases.changes_job import ChangesConfig, ChangesResult, run_changes_job
from tests.helpers.catalogs import catalog
from tests.helpers.change_traffic import Call, send
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.stores import drop_database
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("changes-job")

MIN, HOUR = 60, 3600


@pytest.fixture(scope="module")
def running(chdb_dir):
    """One service for the module (each test uses services of its own names); its scheduled run waits an hour."""
    service = RunningService(make_settings("chdb", chdb_dir, releases={"detect_interval_seconds": 3600}))
    eventually(lambda: service.service.scheduler.status()["changes"]["runs"] >= 1, what="the scheduled run")
    yield service
    service.stop()
    drop_database(chdb_dir, None, service.settings.database)


def detect(running: RunningService, lookback: timedelta = timedelta(days=7), prices: Catalog | None = None
           ) -> ChangesResult:
    assert running.service.catalog_source is not None
    config = ChangesConfig(lookback=lookback, delay=timedelta(0))  # every call sent has been acknowledged
    return run_changes_job(running.store, prices or running.service.catalog_source.current(),
                           datetime.now(timezone.utc), config)


def changes_of(running: RunningService, service: str) -> list[tuple]:
    return [tuple(row.values()) for row in running.rows("""
SELECT kind, dimension, subject, model, from_value, to_value, toUnixTimestamp64Nano(at) AS at FROM changes FINAL
WHERE service = {service:String} AND source = 'detected' ORDER BY at, kind, dimension""", {"service": service})]


def stored_rows(running: RunningService) -> int:
    """Rows as written, before any merge: a change written again would show here even if FINAL hid it."""
    return running.rows("SELECT count() AS n FROM changes")[0]["n"]


def test_each_new_value_is_recorded_once_at_its_first_call_with_what_it_replaced(running):
    old = dict(service="chat-api", version="1.4.0", response_model="gpt-4o-2024-08-06", prompt="greet",
               prompt_version="3")
    first = send(running, [Call(**old, age_s=3 * HOUR), Call(**old, age_s=3 * HOUR - MIN),
                           Call(**old, age_s=2 * HOUR)])
    detect(running)
    t0 = first[Call(**old, age_s=3 * HOUR)]
    # The first values ever seen are changes from nothing; the first snapshot of gpt-4o is part of its arrival.
    assert changes_of(running, "chat-api") == [
        ("deploy", "service_version", "", "", "", "1.4.0", t0), ("model", "model", "", "gpt-4o", "", "gpt-4o", t0),
        ("prompt", "prompt_version", "greet", "", "", "3", t0), ("provider", "provider", "", "", "", "openai", t0)]

    new = dict(service="chat-api", version="1.5.0", response_model="gpt-4o-2024-11-20", prompt="greet",
               prompt_version="4", langfuse=True)
    swap = dict(service="chat-api", version="1.5.0", model="gpt-4.1", response_model="gpt-4.1-2025-04-14",
                provider="azure.ai.openai")
    canary = send(running, [Call(**old, age_s=40 * MIN), Call(**old, age_s=10 * MIN),  # 1.4.0 keeps serving
                            Call(**new, age_s=30 * MIN), Call(**new, age_s=29 * MIN), Call(**swap, age_s=20 * MIN)])
    result = detect(running)
    t1, t2 = canary[Call(**new, age_s=30 * MIN)], canary[Call(**swap, age_s=20 * MIN)]
    assert changes_of(running, "chat-api")[4:] == [
        ("deploy", "service_version", "", "", "1.4.0", "1.5.0", t1),
        ("model", "response_model", "gpt-4o", "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20", t1),
        ("prompt", "prompt_version", "greet", "", "3", "4", t1),
        ("model", "model", "", "gpt-4.1", "gpt-4o", "gpt-4.1", t2),
        ("provider", "provider", "", "", "openai", "azure.ai.openai", t2)]
    assert result.recorded == {"deploy": 1, "model": 2, "prompt": 1, "provider": 1}

    written = stored_rows(running)
    assert detect(running).recorded == {}
    # A late span: 1.5.0 called before the call its change was recorded at, arriving after it.
    send(running, [Call(**new, age_s=35 * MIN)])
    assert detect(running).recorded == {}
    assert stored_rows(running) == written
    assert changes_of(running, "chat-api")[4] == ("deploy", "service_version", "", "", "1.4.0", "1.5.0", t1)


def test_a_value_back_after_the_look_back_is_new_again_and_within_it_is_not(running):
    send(running, [Call("batch-api", "v1", 5 * HOUR), Call("batch-api", "v2", 4 * HOUR),
                   Call("batch-api", "v2", 2.5 * HOUR)])
    detect(running)
    back = send(running, [Call("batch-api", "v1", HOUR), Call("batch-api", "v2", HOUR - MIN)])
    # With a two-hour look-back v1 (last seen five hours ago) is new again, replacing v2 (the last value within
    # the look-back); v2 (seen 90 minutes before) is not.
    detect(running, lookback=timedelta(hours=2))
    deploys = [c for c in changes_of(running, "batch-api") if c[0] == "deploy"]
    assert [c[4:6] for c in deploys] == [("", "v1"), ("v1", "v2"), ("v2", "v1")]
    assert deploys[-1][6] == back[Call("batch-api", "v1", HOUR)]


def test_a_new_price_catalog_version_is_recorded_once(running):
    shipped = running.service.catalog_source.current()
    edited = shipped.merged(catalog({"id": "in-house", "provider": "openai", "models": ["in-house-1"],
                                     "input": "1", "output": "2"}))
    detect(running, prices=shipped)
    before = running.rows("SELECT count() AS n FROM changes FINAL WHERE kind = 'price'")[0]["n"]
    assert detect(running, prices=edited).recorded == {"price": 1}
    assert detect(running, prices=edited).recorded == {}
    rows = running.rows("SELECT project, service, from_value, to_value FROM changes FINAL WHERE kind = 'price' "
                        "ORDER BY at DESC LIMIT 1")
    assert rows == [{"project": "", "service": "", "from_value": shipped.version, "to_value": edited.version}]
    assert running.rows("SELECT count() AS n FROM changes FINAL WHERE kind = 'price'")[0]["n"] == before + 1


def test_a_restarted_service_records_nothing_again(service_factory):
    settings = {"releases": {"detect_interval_seconds": 0.2, "detect_delay_seconds": 1}}
    first = service_factory(**settings)
    send(first, [Call("search-api", "2.0", 10 * MIN, prompt="rank", prompt_version="7"),
                 Call("search-api", "2.1", 5 * MIN, prompt="rank", prompt_version="8")])
    expected = [("", "2.0"), ("", "7"), ("", "gpt-4o"), ("", "openai"), ("2.0", "2.1"), ("7", "8")]
    eventually(lambda: sorted(c[4:6] for c in changes_of(first, "search-api")) == expected,
               what="the scheduled job recorded the changes")
    recorded, written = changes_of(first, "search-api"), stored_rows(first)
    first.stop()
    second = service_factory(database=first.settings.database, **settings)
    runs = second.service.scheduler.status()["changes"]["runs"]
    eventually(lambda: second.service.scheduler.status()["changes"]["runs"] >= runs + 3, what="three runs")
    assert second.service.scheduler.status()["changes"]["last_error"] == ""
    assert changes_of(second, "search-api") == recorded
    assert stored_rows(second) == written
