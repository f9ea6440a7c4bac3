"""The post-mortem from the running service: `GET /api/v1/incidents/{id}/postmortem` in Markdown and HTML (the
numbers of the calls the test wrote, the same bytes twice), 404 and 400 in the API's one error shape, and
`spyglass postmortem` to standard output and to a file, with one clear line when it cannot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from client.api import ApiClient, Query
from client.models.incidents import OpenIncident
from tests.helpers.calls import insert_call
from tests.helpers.cli import spyglass
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")


@pytest.fixture
def resolved(service_factory):
    """INC-1 of chat, opened by hand 30 minutes back with slo-burn@1.0.0 pinned, over 6 calls (2 failed at 1 s, 4
    at 100 ms) written into the service's store, then resolved, and the calls costed."""
    service = service_factory(alerts={"shipped_rules": False}, costs={"interval_seconds": 1, "rollup_interval_seconds": 1})
    now = datetime.now(timezone.utc)
    for i in range(6):
        insert_call(service.store, f"c{i}", now, at=now - timedelta(minutes=20 - i), service="chat",
                    status="error" if i >= 4 else "ok", duration_ms=1000 if i >= 4 else 100)
    with ApiClient(service.api) as api:
        api.open_incident(OpenIncident(title="chat answers fail", severity="SEV2", by="ana", service="chat",
                                       runbook="slo-burn@1.0.0", started_at="30m"))
        api.transition_incident("INC-1", "resolve", "ana")
        # The report's spend chart reads the cost rows: the same bytes twice only once the cost job has costed all 6.
        eventually(lambda: api.cost_breakdown(Query("1h"), "model").totals.calls == 6, timeout=120,
                   what="the 6 calls costed")
    return service


def report(service, incident: str = "INC-1", **params) -> httpx.Response:
    return httpx.get(f"{service.api}/api/v1/incidents/{incident}/postmortem", params=params, timeout=60)


def test_the_api_answers_the_post_mortem_in_markdown_and_in_html(resolved):
    md = report(resolved)
    assert md.status_code == 200 and md.headers["content-type"] == "text/markdown; charset=utf-8"
    text = md.text
    assert text.startswith("# Post-mortem INC-1: chat answers fail\n")
    assert "| Requests | 6 requests | 0 requests | +6 requests |" in text
    assert "| Errors | 2 errors (33.3%) | 0 errors (n/a) | n/a |" in text
    assert "| p95 latency | 1,000 ms | n/a | n/a |" in text
    assert "- **Runbook:** slo-burn@1.0.0 (Error-rate SLO burn)" in text
    assert "- **Detected by:** no alert: opened by hand by ana" in text
    assert report(resolved, format="md").content == md.content
    page = report(resolved, format="html")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!DOCTYPE html>") and 'id="postmortem-chart-latency"' in page.text
    assert report(resolved, format="html").content == page.content  # the same incident, the same bytes


def test_an_unknown_incident_is_a_404_and_another_format_a_400(resolved):
    missing = report(resolved, "INC-9")
    assert (missing.status_code, missing.json()) == (404, {"error": "no incident INC-9"})
    pdf = report(resolved, format="pdf")
    assert (pdf.status_code, pdf.json()) == (400, {"error": "format: 'pdf' is not one of md, html"})


def test_the_cli_writes_the_report_to_stdout_or_whole_to_a_file(resolved, tmp_path):
    api = ("--api-url", resolved.api)
    printed = spyglass("postmortem", "INC-1", *api)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == report(resolved).text
    target = tmp_path / "INC-1.html"
    written = spyglass("postmortem", "inc-1", "--format", "html", "-o", str(target), *api)
    assert written.returncode == 0, written.stderr
    assert written.stdout == f"INC-1 post-mortem (html) written to {target}\n"
    assert target.read_bytes() == report(resolved, format="html").content
    assert [p.name for p in tmp_path.iterdir()] == ["INC-1.html"]  # no partial file left beside it

    missing = spyglass("postmortem", "INC-9", "-o", str(tmp_path / "INC-9.md"), *api)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == "spyglass: postmortem INC-9 failed (404): no incident INC-9\n"
    nowhere = spyglass("postmortem", "INC-1", "-o", str(tmp_path / "no-such-dir" / "INC-1.md"), *api)
    assert nowhere.returncode == 2 and "Traceback" not in nowhere.stderr
    assert nowhere.stderr == f"spyglass: cannot write {tmp_path / 'no-such-dir' / 'INC-1.md'}: No such file or " \
                             "directory\n"
    assert [p.name for p in tmp_path.iterdir()] == ["INC-1.html"]
