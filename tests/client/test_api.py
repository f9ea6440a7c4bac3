"""The dashboard's API client against the real service: answers, the API's own errors, no answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from client.api import ApiClient, ApiError, ApiUnreachable, Query
from client.models.costs import CostFigures
from tests.helpers.fleet import FLEET, READ_KEY, SHARED_SERVICES
from tests.helpers.service_process import free_port
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
RANGE = Query(since="6h")


def test_reads_what_the_fleet_sent(fleet):
    with ApiClient(fleet.api) as api:
        summary = api.summary(RANGE)
        series = api.timeseries(RANGE, by="model")
        options = api.filters(since="6h")
        calls = api.llm_calls(RANGE, limit=4)
    assert summary.overall.requests == len(FLEET) and summary.overall.errors == 1
    assert [m.model for m in summary.by_model] == ["gpt-4o", "claude-sonnet-4"]
    assert sum(point.requests for point in series.points) == len(FLEET)
    assert {point.series for point in series.points} == {"gpt-4o", "claude-sonnet-4"}
    since, until = datetime.fromisoformat(series.since), datetime.fromisoformat(series.until)
    assert all(since <= datetime.fromisoformat(point.bucket) < until for point in series.points), \
        "every bucket lies in the requested range"
    assert options.models == ["claude-sonnet-4", "gpt-4o"] and options.services == ["chat-api"]
    assert len(calls.rows) == 4 and calls.next_offset == 4
    assert {(c.model, c.input_tokens, c.usage_reported) for c in calls.rows} <= {
        ("gpt-4o", 1000, True), ("claude-sonnet-4", 500, True)}


def test_money_arrives_as_exact_decimals(fleet):
    with ApiClient(fleet.api) as api:
        def priced() -> CostFigures | None:
            totals = api.cost_breakdown(RANGE, "model").totals
            return totals if totals.calls == len(FLEET) else None

        totals = eventually(priced, timeout=60, interval=0.5, what="the fleet's calls priced")
        budget = api.budgets().budgets[0]
    assert isinstance(totals.cost, Decimal) and totals.calls == len(FLEET)
    assert budget.monthly == Decimal(1) and budget.state in ("ok", "soft", "hard")


def test_filters_reach_the_api(fleet):
    with ApiClient(fleet.api) as api:
        summary = api.summary(Query(since="6h", models=("claude-sonnet-4",)))
        assert summary.overall.requests == 2 and summary.overall.error_rate == 0.5
        assert api.summary(Query(since="15m")).overall.requests == 0


def test_bad_input_carries_the_api_message(fleet):
    with ApiClient(fleet.api) as api, pytest.raises(ApiError) as caught:
        api.summary(Query(since="last tuesday"))
    assert caught.value.status == 400
    assert "since" in caught.value.message and "RFC 3339" in caught.value.message


def test_read_key_is_sent_as_bearer(keyed):
    with ApiClient(keyed.api) as anonymous, pytest.raises(ApiError) as caught:
        anonymous.summary(RANGE)
    assert caught.value.status == 401 and "read key" in caught.value.message
    env = {"SPYGLASS_API_URL": keyed.api, "SPYGLASS_API_KEY": READ_KEY}
    with ApiClient.from_env(env) as api:
        assert api.summary(RANGE).overall.requests == 0


def test_no_service_is_unreachable_not_a_traceback():
    with ApiClient(f"http://127.0.0.1:{free_port()}") as api, pytest.raises(ApiUnreachable) as caught:
        api.filters()
    assert caught.value.status is None and "cannot connect" in caught.value.message


def test_defaults_and_arguments():
    with ApiClient.from_env({}) as api:
        assert api.base_url == "http://127.0.0.1:8040"
        with pytest.raises(ValueError, match="by: must be one of"):
            api.timeseries(RANGE, by="colour")


class _Outdated(BaseHTTPRequestHandler):
    """An HTTP server that answers 200 with a body from some other API version."""

    def do_GET(self) -> None:
        body = b'{"since": "2026-11-21T00:00:00Z", "until": "2026-11-21T06:00:00Z", "by_model": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def outdated() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Outdated)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_that_does_not_fit_the_model_is_an_api_error(outdated):
    with ApiClient(outdated) as api, pytest.raises(ApiError) as caught:
        api.summary(RANGE)
    assert caught.value.status == 200 and not isinstance(caught.value, ApiUnreachable)
    assert "does not understand" in caught.value.message and "Summary" in caught.value.message
    assert "overall" in caught.value.message, "the message names the missing field"
