"""Who may call what, route by route of the running service's own OpenAPI document: with keys configured every
route that changes state answers 401 without a key, 403 to a read or ingest key and lets an admin key through;
reads take a read key or an admin key; the two decided exceptions (feedback: ingest key; backtest: read key) and
the probes are named here, so a new route that changes state is held to the admin key without a line in this file.
With only ingest keys the routes that change state are closed and say how to open them; with no key at all
everything is open. The client and the CLI verbs that change state send the admin key."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx
import pytest

from client.api import ApiClient, ApiError
from client.models.alerts import SilenceRequest
from spyglass.config import InvalidConfiguration, load
from tests.helpers.cli import spyglass

READ, ADMIN, INGEST = "reader-key", "admin-key", "ingest-key"
# The decided exceptions to "a method that changes state needs an admin key, a read a read key" (README, Keys).
NOT_ADMIN = {("POST", "/api/v1/feedback"): "ingest", ("POST", "/api/v1/rules/backtest"): "read"}
ADMIN_READS = {("GET", "/api/v1/settings")}  # the deployment's configuration
OPEN = {("GET", "/healthz"), ("GET", "/readyz")}
KNOWN_WRITES = {("POST", "/api/v1/costs/reprice"), ("POST", "/api/v1/silences"),
                ("DELETE", "/api/v1/silences/{silence_id}"), ("POST", "/api/v1/notifications/{notification_id}/replay"),
                ("POST", "/api/v1/changes"), *NOT_ADMIN}
SILENCE = {"matchers": ['alertname="access-test"'], "created_by": "test", "comment": "access", "duration": "5m"}


def routes(api: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The OpenAPI document and every (method, path) it lists."""
    document = httpx.get(f"{api}/openapi.json", timeout=30).json()
    return document, sorted((method.upper(), path) for path, operations in document["paths"].items()
                            for method in operations)


def send(api: str, method: str, path: str, key: str | None = None) -> httpx.Response:
    """The route with every path parameter filled (an id nothing has), no body and no query."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, api + re.sub(r"\{\w+\}", "0" * 32, path), headers=headers, timeout=60)


def need(method: str, path: str) -> str:
    if (method, path) in OPEN:
        return "open"
    if (method, path) in ADMIN_READS:
        return "admin"
    return NOT_ADMIN.get((method, path), "read" if method == "GET" else "admin")


@pytest.fixture
def keyed(service_factory):
    return service_factory(read_keys=[READ], admin_keys=[ADMIN], ingest_keys={INGEST: "acme"})


def test_every_route_of_the_document_takes_the_keys_its_method_says(keyed):
    document, found = routes(keyed.api)
    assert KNOWN_WRITES <= set(found) and len(found) >= 40
    sent = {"none": None, "read": READ, "admin": ADMIN, "ingest": INGEST, "wrong": "not-a-key"}
    answers: dict[tuple[str, str], dict[str, int]] = {}
    for method, path in found:
        answers[(method, path)] = {name: send(keyed.api, method, path, key).status_code for name, key in sent.items()}
    allowed = {"open": set(sent), "read": {"read", "admin"}, "admin": {"admin"}, "ingest": {"ingest"}}
    for (method, path), statuses in answers.items():
        expected = need(method, path)
        for name, status in statuses.items():
            if name in allowed[expected]:
                assert status not in (401, 403), f"{method} {path} refused a {name} key ({status})"
            elif name in ("none", "wrong") or expected == "ingest":
                assert status == 401, f"{method} {path} answered {status} to {name} (needs {expected})"
            else:
                assert status == 403, f"{method} {path} answered {status} to a {name} key (needs {expected})"
        documented = document["paths"][path][method.lower()]["responses"]
        if expected == "open":
            assert not {"401", "403"} & set(documented), f"{method} {path}"
        else:
            assert "401" in documented and ("403" in documented) == (expected != "ingest"), f"{method} {path}"
    refused = send(keyed.api, "DELETE", "/api/v1/silences/{silence_id}", READ)
    assert refused.json()["error"] == ("a read key cannot change state: DELETE /api/v1/silences/{silence_id} "
                                       "changes state and needs an admin key")
    assert send(keyed.api, "GET", "/api/v1/settings", READ).json()["error"] == (
        "a read key cannot read it: GET /api/v1/settings shows the service's configuration and needs an admin key")
    missing = send(keyed.api, "POST", "/api/v1/costs/reprice")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["error"] == ("POST /api/v1/costs/reprice changes state and needs an admin key: send "
                                       "'Authorization: Bearer <admin key>'")


def test_a_refused_write_writes_nothing_and_the_client_sends_the_admin_key(keyed):
    with ApiClient(keyed.api, READ) as reader, pytest.raises(ApiError) as refused:
        reader.add_silence(SilenceRequest(**SILENCE))
    assert refused.value.status == 403 and "needs an admin key" in refused.value.message
    with ApiClient(keyed.api, READ, admin_key=ADMIN) as api:
        assert api.silences().silences == []
        made = api.add_silence(SilenceRequest(**SILENCE))
        assert [s.id for s in api.silences().silences] == [made.id]
    env = {"SPYGLASS_API_URL": keyed.api, "SPYGLASS_ADMIN_KEY": ADMIN}
    with ApiClient.from_env(env) as admin:  # an admin key alone reads too
        assert admin.silence(made.id).state == "active"
        assert admin.expire_silence(made.id).state == "expired"


def test_the_verbs_that_change_state_send_the_admin_key(keyed, tmp_path):
    env = {**os.environ, "SPYGLASS_API_KEY": READ}
    env.pop("SPYGLASS_ADMIN_KEY", None)
    api = ("--api-url", keyed.api)
    refused = spyglass("silence", "add", 'alertname="x"', "--comment", "c", *api, env=env)
    assert refused.returncode == 2 and refused.stderr.strip() == (
        "spyglass: silence add failed (403): a read key cannot change state: POST /api/v1/silences changes state "
        "and needs an admin key; give --admin-key or set SPYGLASS_ADMIN_KEY")
    added = spyglass("silence", "add", 'alertname="x"', "--comment", "c", *api, env={**env, "SPYGLASS_ADMIN_KEY": ADMIN})
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() in spyglass("silence", "list", *api, env=env).stdout
    expired = spyglass("silence", "expire", added.stdout.strip(), "--admin-key", ADMIN, *api, env=env)
    assert expired.returncode == 0, expired.stderr

    no_yaml = spyglass("reprice", "--since", "now-1h", *api, cwd=tmp_path, env=env)
    assert no_yaml.returncode == 2 and "reprice failed (401): POST /api/v1/costs/reprice changes state" in \
        no_yaml.stderr and no_yaml.stderr.strip().endswith("give --admin-key or set SPYGLASS_ADMIN_KEY")
    (tmp_path / "spyglass.yaml").write_text(f"read_keys: [{READ}]\nadmin_keys: [{ADMIN}]\n")
    repriced = spyglass("reprice", "--since", "now-1h", *api, cwd=tmp_path, env=env)
    assert repriced.returncode == 0, repriced.stderr
    assert repriced.stdout.startswith("repriced 0 calls")


def test_ingest_keys_alone_close_every_route_that_changes_state_and_say_how_to_open_them(service_factory):
    running = service_factory(ingest_keys={INGEST: "acme"})
    _, found = routes(running.api)
    for method, path in found:
        response = send(running.api, method, path)
        if need(method, path) == "admin":
            assert response.status_code == 401 and response.json()["error"].endswith(
                "(this service has none: add one to admin_keys)"), f"{method} {path}"
        elif need(method, path) != "ingest":
            assert response.status_code not in (401, 403), f"{method} {path}: reads stay open without read keys"


def test_without_any_key_every_route_is_open(service_factory):
    running = service_factory()
    _, found = routes(running.api)
    statuses = {(method, path): send(running.api, method, path).status_code for method, path in found}
    assert KNOWN_WRITES <= set(statuses)
    assert {route: status for route, status in statuses.items() if status in (401, 403)} == {}


def test_an_admin_key_has_one_role(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spyglass.yaml").write_text(f"read_keys: [{READ}]\nadmin_keys: [{READ}]\n")
    with pytest.raises(InvalidConfiguration) as caught:
        load()
    assert "admin_keys: " in str(caught.value) and "both an admin key and in read_keys" in str(caught.value)
    assert READ not in str(caught.value)
