"""The runbook routes of a running service over a user runbook directory: the library in force, one version
byte for byte, the recorded versions, diffs, and an edit that does not bump its version (refused, the last
good version stays); and a start with a broken runbook stops with one line."""

from __future__ import annotations

import os

import httpx
import pytest

from runbooks.document import RunbookError
from tests.helpers.runbook_files import write_runbook


def get(running, path: str, **params) -> httpx.Response:
    return httpx.get(f"{running.api}/api/v1/runbooks{path}", params=params, timeout=30)


@pytest.fixture
def books(service_factory, tmp_path):
    """A service with one runbook of ours and our copy of the shipped cost-spike."""
    write_runbook(tmp_path, "vector-db-slow")
    write_runbook(tmp_path, "cost-spike", "2.0.0")
    running = service_factory(runbooks={"dirs": [str(tmp_path)]})
    running.dir = tmp_path
    return running


def edit(running, runbook_id: str, version: str, note: str, stamp: int) -> None:
    path = write_runbook(running.dir, runbook_id, version, note)
    os.utime(path, ns=(stamp * 10**9, stamp * 10**9))


def test_the_library_in_force_with_our_runbooks_and_overrides(books):
    body = get(books, "").json()
    assert body["error"] == "" and body["dirs"][1] == str(books.dir)
    by_id = {r["id"]: r for r in body["runbooks"]}
    assert len(by_id) == 13
    ours = by_id["cost-spike"]
    assert (ours["version"], ours["source"], ours["overrides"].endswith("runbooks/library/cost-spike.md")) == \
        ("2.0.0", "user", True)
    assert (by_id["slo-burn"]["source"], by_id["slo-burn"]["severity"], by_id["slo-burn"]["overrides"]) == \
        ("shipped", "critical", None)
    assert by_id["vector-db-slow"]["diagnostics"] == ["spend_by_model"] and by_id["vector-db-slow"]["steps"] == 2
    ready = httpx.get(f"{books.api}/readyz", timeout=30).json()["runbooks"]
    assert (ready["runbooks"], ready["error"], ready["version"]) == (13, "", body["version"])


def test_a_runbook_reads_back_byte_for_byte_with_its_steps_and_diagnostics(books):
    body = get(books, "/vector-db-slow").json()
    assert body["text"].encode() == (books.dir / "vector-db-slow.md").read_bytes()
    assert (body["version"], body["in_force"], body["severity"], body["owners"]) == ("1.0.0", True, "warning", ["sre"])
    assert body["steps"] == [{"number": 1, "text": "Check the spend."},
                             {"number": 2, "text": "Roll back the last change."}]
    assert body["diagnostics"] == [{"query": "spend_by_model", "params": {
        "since": "window.since", "until": "window.until", "service": "labels.service"}}]
    assert body["applies_to"] == {"alerts": ["vector-db-slow"], "matchers": []}


def test_versions_and_diffs_after_an_edit_and_the_refusal_of_an_unbumped_one(books):
    edit(books, "vector-db-slow", "1.0.0", "Check the index.", 1)  # not bumped: refused
    error = get(books, "").json()["error"]  # the source reloads when a request finds a file changed
    assert error.startswith(f"{books.dir / 'vector-db-slow.md'}: runbook vector-db-slow version 1.0.0 is already "
                            "recorded with other content")
    assert "Check the spend." in get(books, "/vector-db-slow").json()["text"]  # the last good version stays

    edit(books, "vector-db-slow", "1.1.0", "Check the index.", 2)
    assert get(books, "/vector-db-slow").json()["version"] == "1.1.0"
    assert get(books, "").json()["error"] == ""
    listed = get(books, "/vector-db-slow/versions").json()
    assert [(v["version"], v["in_force"]) for v in listed["versions"]] == [("1.1.0", True), ("1.0.0", False)]
    old = get(books, "/vector-db-slow", version="1.0.0").json()
    assert (old["in_force"], old["steps"][0]["text"]) == (False, "Check the spend.")

    diff = get(books, "/vector-db-slow/diff").json()  # default: the version before the one in force, and it
    assert (diff["from_version"], diff["to_version"]) == ("1.0.0", "1.1.0")
    assert "-- [ ] Check the spend.\n+- [ ] Check the index.\n" in diff["diff"]
    back = get(books, "/vector-db-slow/diff", **{"from": "1.1.0", "to": "1.0.0"}).json()
    assert back["diff"].startswith("--- vector-db-slow@1.1.0\n+++ vector-db-slow@1.0.0\n")


@pytest.mark.parametrize(("path", "params", "status", "error"), [
    ("/no-such-runbook", {}, 404, "no runbook 'no-such-runbook' in force (pin a recorded version: "
                                  "no-such-runbook@x.y.z)"),
    ("/vector-db-slow", {"version": "9.9.9"}, 404, "runbook vector-db-slow has no recorded version 9.9.9"),
    ("/vector-db-slow", {"version": "9"}, 400, "version: '9' is not a semantic version such as 1.2.0"),
    ("/no-such-runbook/versions", {}, 404, "no runbook 'no-such-runbook' has a recorded version"),
    ("/vector-db-slow/diff", {}, 400, "from: runbook vector-db-slow has no recorded version before 1.0.0; name one "
                                      "(recorded: 1.0.0)"),
    ("/vector-db-slow/diff", {"from": "0.1.0"}, 404, "runbook vector-db-slow has no recorded version 0.1.0"),
    ("/vector-db-slow/diff", {"to": "1.0"}, 400, "to: '1.0' is not a semantic version such as 1.2.0"),
])
def test_what_names_no_runbook_or_version_is_refused_with_a_reason(books, path, params, status, error):
    response = get(books, path, **params)
    assert (response.status_code, response.json()) == (status, {"error": error})


def test_a_broken_runbook_stops_the_start_with_one_line(service_factory, tmp_path):
    (tmp_path / "vector-db-slow.md").write_text("---\nid: vector-db-slow\nversion: 1\n---\n- [ ] step\n")
    with pytest.raises(RunbookError) as caught:
        service_factory(runbooks={"dirs": [str(tmp_path)]})
    assert str(caught.value).startswith(f"{tmp_path / 'vector-db-slow.md'}:2: title: required; ")
    assert "\n" not in str(caught.value)
