"""Reported changes through the REST API of a running service: POST /api/v1/changes records one (its dimension
from its kind, an id of the reporter's makes a retry harmless), a bad body is a 400 that says what is wrong and
writes nothing; GET /api/v1/changes lists them newest first with exact filters; GET /api/v1/changes/{id} reads one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from client.api import ApiClient, ApiError
from client.models.changes import ReportChange
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.stores import drop_database
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("changes-api")


@pytest.fixture(scope="module")
def running(chdb_dir):
    service = RunningService(make_settings("chdb", chdb_dir, releases={"detect_interval_seconds": 3600}))
    # The scheduled run at start records the price catalog's version (a detected change).
    eventually(lambda: service.service.scheduler.status()["changes"]["runs"] >= 1, what="the scheduled run")
    yield service
    service.stop()
    drop_database(chdb_dir, None, service.settings.database)


@pytest.fixture
def api(running):
    with ApiClient(running.api) as client:
        yield client


def rows(running: RunningService) -> int:
    return running.rows("SELECT count() AS n FROM changes")[0]["n"]


def test_a_reported_deploy_is_recorded_now_with_its_dimension(running, api):
    before = datetime.now(timezone.utc)
    made = api.report_change(ReportChange.model_validate(
        {"kind": "deploy", "service": "checkout", "to": "1.5.0", "from": "1.4.0", "author": "ci",
         "link": "https://ci.example/run/7"}))
    assert (made.kind, made.project, made.service, made.dimension, made.from_value, made.to_value, made.source,
            made.author, made.link, made.model) == ("deploy", "default", "checkout", "service_version", "1.4.0",
                                                    "1.5.0", "reported", "ci", "https://ci.example/run/7", "")
    assert before <= datetime.fromisoformat(made.at[:26] + "+00:00") <= datetime.now(timezone.utc)
    assert api.change(made.id) == made


def test_a_model_change_is_of_its_new_model_and_keeps_the_time_given_in_utc(api):
    made = api.report_change(ReportChange(kind="model", service="checkout", to_value="gpt-4.1",
                                          at="2026-11-21T07:00:00+02:00"))
    assert (made.dimension, made.model, made.at) == ("model", "gpt-4.1", "2026-11-21T05:00:00.000000000Z")


def test_a_retry_with_the_same_id_records_nothing_new(running, api):
    body = {"kind": "prompt", "service": "checkout", "to": "12", "subject": "answer", "id": "pipeline-991"}
    first = api.report_change(ReportChange.model_validate(body))
    written = rows(running)
    again = api.report_change(ReportChange.model_validate({**body, "description": "retried"}))
    assert again == first and first.id == "pipeline-991" and first.dimension == "prompt_version"
    assert rows(running) == written


@pytest.mark.parametrize("body, message", [
    ({"kind": "rollout", "service": "s", "to": "1"}, "kind: Input should be 'deploy', 'prompt', 'model'"),
    ({"kind": "deploy", "to": "1"}, "service: Field required"),
    ({"kind": "deploy", "service": "s"}, "to: Field required"),
    ({"kind": "deploy", "service": "  ", "to": "1"}, "service: must not be blank"),
    ({"kind": "deploy", "service": "s", "to": "1", "version": "2"}, "version: Extra inputs are not permitted"),
    ({"kind": "deploy", "service": "s", "to": "1", "at": "2026-11-21T05:00:00"}, "has no time zone"),
    ({"kind": "deploy", "service": "s", "to": "1", "at": "2126-11-21T05:00:00Z"}, "is in the future"),
    ({"kind": "deploy", "service": "s", "to": "1", "id": "no spaces please"}, "id: String should match pattern"),
])
def test_a_bad_body_is_a_400_that_says_why_and_writes_nothing(running, body, message):
    written = rows(running)
    response = httpx.post(f"{running.api}/api/v1/changes", json=body, timeout=10)
    assert response.status_code == 400 and message in response.json()["error"], response.text
    assert rows(running) == written


def test_a_body_that_is_not_json_is_a_400(running):
    response = httpx.post(f"{running.api}/api/v1/changes", content=b"kind=deploy", timeout=10,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "error" in response.json()


def test_the_list_is_newest_first_and_each_filter_is_exact(api):
    now = datetime.now(timezone.utc)
    at = [(now - timedelta(minutes=m)).isoformat() for m in (50, 40, 30)]
    made = [api.report_change(ReportChange(kind="deploy", service="ledger", project="bank", to_value="3.0",
                                           at=at[0])),
            api.report_change(ReportChange(kind="flag", service="ledger", project="bank", to_value="on",
                                           subject="fast-path", at=at[1])),
            api.report_change(ReportChange(kind="model", service="ledger-eval", project="bank", to_value="o3",
                                           at=at[2]))]

    def ids(since: str = "2h", **filters: str) -> list[str]:
        return [c.id for c in api.changes(since=since, **filters).changes]

    assert ids(project="bank") == [made[2].id, made[1].id, made[0].id]
    assert ids(project="bank", service="ledger") == [made[1].id, made[0].id]
    assert ids(project="bank", kind="flag") == [made[1].id]
    assert ids(model="o3") == [made[2].id]
    assert ids(project="bank", since=at[1]) == [made[2].id, made[1].id]
    assert ids(project="bank", until=at[1]) == [made[0].id]
    assert [c.id for c in api.changes(since="2h", limit=1, project="bank").changes] == [made[2].id]
    detected = api.changes(since="1d", source="detected").changes
    assert detected and {c.kind for c in detected} == {"price"} and {c.service for c in detected} == {""}
    assert made[0].id not in {c.id for c in detected}
    with pytest.raises(ApiError) as refused:
        api.changes(kind="rollout")
    assert refused.value.status == 400 and "kind: 'rollout' is not one of deploy" in refused.value.message


def test_an_unknown_change_is_a_404(api):
    with pytest.raises(ApiError) as missing:
        api.change("no-such-change")
    assert missing.value.status == 404 and missing.value.message == "no change with id no-such-change"
    with pytest.raises(ApiError) as missing:
        api.change_verdicts("no-such-change")
    assert missing.value.status == 404 and missing.value.message == "no change with id no-such-change"
