"""The changes before an incident through the running service: `GET /api/v1/incidents/{id}` has them on the timeline
as `change` entries (typed by the client), and the post-mortem in Markdown and HTML has its "Changes before the
incident" section, the failed change first and named the suspect."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from client.api import ApiClient
from client.models.incidents import OpenIncident
from tests.helpers.change_rows import insert_change, insert_verdict
from tests.helpers.markdown_text import lines, sections

pytestmark = pytest.mark.xdist_group("alert-engine")
H = timedelta(hours=1)


def test_the_incident_and_its_post_mortem_show_the_changes_before_it(service_factory):
    service = service_factory(alerts={"shipped_rules": False})
    now = datetime.now(timezone.utc)
    insert_change(service.store, "deploy", now - 3 * H, service="chat", from_value="1.4.0", to_value="1.5.0",
                  source="reported", author="ci-bot", link="https://ci.example/42")
    insert_verdict(service.store, "deploy", now - 2 * H, "pass", 91.0)
    insert_verdict(service.store, "deploy", now - H, "fail", 12.5, ("latency_p95", "cost_per_request"))
    insert_change(service.store, "prompt", now - 2 * H, kind="prompt", service="chat", subject="summarise",
                  from_value="3", to_value="4")
    insert_change(service.store, "elsewhere", now - 2 * H, service="search")
    with ApiClient(service.api) as api:
        api.open_incident(OpenIncident(title="chat is slow", severity="SEV2", by="ana", service="chat",
                                       started_at="30m"))
        shown = api.incident("INC-1")
        found = [e.change for e in shown.timeline if e.change is not None]
        assert [(c.id, c.position, c.suspect) for c in found] == [("deploy", 0, True), ("prompt", 1, False)]
        deploy, prompt = found
        assert (deploy.kind, deploy.from_value, deploy.to_value, deploy.source, deploy.author, deploy.link) == (
            "deploy", "1.4.0", "1.5.0", "reported", "ci-bot", "https://ci.example/42")
        assert deploy.verdict is not None and (deploy.verdict.verdict, deploy.verdict.score, deploy.verdict.worse) == (
            "fail", 12.5, ["latency_p95", "cost_per_request"])
        assert (prompt.subject, prompt.source, prompt.verdict) == ("summarise", "detected", None)
        [entry] = [e for e in shown.timeline if e.kind == "change" and e.data["id"] == "deploy"]
        assert entry.actor == "ci-bot" and entry.text.startswith("suspect deploy change (service=chat): 1.4.0 -> 1.5.0")

        section = lines(sections(api.postmortem("INC-1"))["Changes before the incident"])
        assert section[1].startswith("**Suspect: the deploy change of service=chat at ")
        assert [row.removesuffix(" |").split(" | ")[2:] for row in section[4:]] == [
            ["deploy", "service=chat", "1.4.0 -> 1.5.0", "reported", "ci-bot", "fail, score 12.5",
             "latency_p95, cost_per_request"],
            ["prompt", "service=chat, subject=summarise", "3 -> 4", "detected", "-", "not analysed", "none"]]
        page = api.postmortem("INC-1", "html")
        changes = page[page.index('<section id="changes">'):page.index('<section id="timeline">')]
        assert '<p class="suspect"><strong>Suspect: the deploy change of service=chat' in changes
        assert changes.count("<tr><td>") == 2 and "<td>fail, score 12.5</td>" in changes
