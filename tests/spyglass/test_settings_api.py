"""GET /api/v1/settings: the configuration in force as an operator needs it, and never a secret.

Every receiver type with every secret it can hold, keys of each role and a ClickHouse URL with a password: the
answer names where notifications go (host and port) and how many keys there are, and no secret, token, password
or key appears anywhere in it, whatever its shape. The route takes an admin key once keys are configured.
"""

from __future__ import annotations

import json

import httpx
import pytest

from client.api import ApiClient, ApiError
from spyglass.api.settings_wire import host_port, service_settings
from spyglass.config import Settings
from tests.helpers.wait import eventually

WEBHOOK_TOKEN = "tok3n-in-the-query-9f8e7d"
WEBHOOK_PATH_SECRET = "p4th-s3cret-a1b2c3"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SLACK_TOKEN = "T0001/B0001/S3CR3TS3CR3TS3CR3T"
ROUTING_KEY = "R0UT1NGK3Y0123456789abcdef"
SMTP_PASSWORD = "smtp-pa55word-xyz"
CLICKHOUSE_PASSWORD = "ch-pa55word-uvw"
READ, ADMIN, INGEST = "read-key-4242abcd", "admin-key-9999efgh", "ingest-key-1234ijkl"
SECRETS = (WEBHOOK_TOKEN, WEBHOOK_PATH_SECRET, WHSEC, SLACK_TOKEN, ROUTING_KEY, SMTP_PASSWORD, CLICKHOUSE_PASSWORD,
           READ, ADMIN, INGEST)
RECEIVERS = [
    {"name": "hooks", "type": "webhook", "secret": WHSEC,
     "url": f"https://bot:{WEBHOOK_PATH_SECRET}@hooks.example.com:8443/in/{WEBHOOK_PATH_SECRET}?token={WEBHOOK_TOKEN}"},
    {"name": "am", "type": "alertmanager", "url": "http://alertmanager.internal:9093"},
    {"name": "chat", "type": "slack", "url": f"https://hooks.slack.com/services/{SLACK_TOKEN}"},
    {"name": "pager", "type": "pagerduty", "routing_key": ROUTING_KEY},
    {"name": "mail", "type": "email", "to": "oncall@example.com", "from": "spyglass@example.com",
     "smarthost": "smtp.example.com:587", "username": "spyglass", "password": SMTP_PASSWORD},
]
KEYS = {"read_keys": [READ], "admin_keys": [ADMIN], "ingest_keys": {INGEST: "acme"}}


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"secrets in the answer: {leaked}"


def test_the_view_names_hosts_and_counts_keys_but_holds_no_secret():
    settings = Settings(clickhouse_url=f"http://spyglass:{CLICKHOUSE_PASSWORD}@ch.internal:8123",
                        clickhouse_cluster="prod", alerts={"receivers": RECEIVERS}, **KEYS)
    view = service_settings(settings)
    assert_no_secret(view.model_dump_json())
    assert_no_secret(repr(view))
    receivers = {r.name: r for r in view.receivers}
    assert {name: r.target for name, r in receivers.items()} == {
        "hooks": "hooks.example.com:8443", "am": "alertmanager.internal:9093", "chat": "hooks.slack.com",
        "pager": "events.pagerduty.com", "mail": "smtp.example.com:587"}
    assert receivers["pager"].secrets == ["routing_key"] and receivers["chat"].secrets == ["url"]
    assert receivers["hooks"].secrets == ["secret"] and receivers["am"].secrets == []
    assert (view.store.backend, view.store.server, view.store.cluster, view.store.data_dir) == (
        "clickhouse", "ch.internal:8123", "prod", "")
    assert (view.keys.read, view.keys.admin, view.keys.ingest, view.keys.ingest_projects) == (1, 1, 1, ["acme"])
    jobs = {j.name: j.interval_seconds for j in view.jobs}
    assert jobs["costs"] == settings.costs.interval_seconds and "dcgm-scrape" not in jobs  # no DCGM targets


@pytest.mark.parametrize(("address", "shown"), [
    ("https://user:pw@host.example:8443/path?token=x", "host.example:8443"),
    ("http://host.example/hook", "host.example"),
    ("smtp.example.com:587", "smtp.example.com:587"),
    ("smtp.example.com:notaport", "smtp.example.com"),
    ("", ""),
])
def test_an_address_is_cut_to_its_host_and_port(address, shown):
    assert host_port(address) == shown


def test_the_running_service_answers_the_admin_key_only_and_never_a_secret(service_factory):
    running = service_factory(alerts={"receivers": RECEIVERS}, **KEYS)
    url = f"{running.api}/api/v1/settings"
    assert httpx.get(url, timeout=30).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {READ}"}, timeout=30).status_code == 403
    answer = httpx.get(url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert answer.status_code == 200
    assert_no_secret(answer.text)
    body = answer.json()
    assert [r["name"] for r in body["receivers"]] == [r["name"] for r in RECEIVERS]
    assert body["store"] == {"backend": "chdb", "data_dir": str(running.settings.data_dir), "server": "",
                             "cluster": "", "database": running.settings.database}
    assert body["ports"]["api"] == running.settings.api_port and "SPYGLASS_" in body["sources"]
    # The client sends the admin key for this read (and the read key for the others).
    with ApiClient(running.api, READ, admin_key=ADMIN) as api:
        view = api.settings()
    assert {j.name for j in view.jobs} >= {"costs", "alerts", "canary"}
    with ApiClient(running.api, READ) as reader, pytest.raises(ApiError) as refused:
        reader.settings()
    assert refused.value.status == 403 and "needs an admin key" in refused.value.message
    assert json.loads(view.model_dump_json())["keys"] == {"read": 1, "ingest": 1, "admin": 1,
                                                          "ingest_projects": ["acme"]}


def test_job_runs_come_from_the_scheduler_of_this_process(service_factory):
    running = service_factory(costs={"interval_seconds": 0.2})
    with ApiClient(running.api) as api:
        costs = eventually(lambda: next((j for j in api.settings().jobs if j.name == "costs" and j.runs), None),
                           timeout=30, interval=0.2, what="the costs job's first run shown")
    assert costs.interval_seconds == 0.2 and costs.failures == 0 and costs.last_run.endswith("Z")
