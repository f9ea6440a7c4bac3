"""`spyglass mcp` driven by the MCP SDK's own client over stdio and over streamable HTTP, against one seeded service
for the module (tests/helpers/mcp_fleet.py): the tools it lists, each tool's answer held to the REST API's answer for
the same question, bad arguments answered with a clear tool error (never a traceback), the resources and the prompt,
a service that is down, and the write tools (`--allow-writes`) with and without the admin key.

Ranges are absolute (fixed once for the module), so the MCP answer and the REST answer cover the same window.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from client.models.alerts import Alerts, SilenceInfo
from client.models.catalog import PriceCatalog
from client.models.compare import Comparison
from client.models.costs import CostBreakdown
from client.models.drift import DriftResults
from client.models.gpu import GpuFleet, GpuWaste
from client.models.incidents import IncidentDetail, Incidents
from client.models.runbooks import RunbookDocument, RunbookLibrary
from client.models.traces import TraceDetail, Traces
from mcp_server.answers import SpendSummary
from tests.helpers.mcp_clients import HttpServer, McpSession, mcp_args, stdio_server
from tests.helpers.mcp_fleet import ELSEWHERE_KEY, seeded_service
from tests.helpers.ops_fleet import ADMIN, READ, Ops
from tests.helpers.service_process import free_port

pytestmark = pytest.mark.xdist_group("mcp-server")
READ_TOOLS = {"spend_summary", "spend_breakdown", "top_costly_traces", "trace_spans", "compare_versions",
              "firing_alerts", "list_incidents", "incident_detail", "incident_postmortem", "runbook", "gpu_fleet",
              "gpu_waste", "drift_status"}
WRITE_TOOLS = {"acknowledge_incident", "add_incident_note", "create_silence"}
NOW = datetime.now(timezone.utc).replace(microsecond=0)
SINCE, UNTIL = (NOW - timedelta(hours=3)).isoformat().replace("+00:00", "Z"), NOW.isoformat().replace("+00:00", "Z")
RANGE = {"since": SINCE, "until": UNTIL}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    with seeded_service(tmp_path_factory.mktemp("mcp")) as ops:
        yield ops


@pytest.fixture(scope="module")
def http_server(seeded: Ops, tmp_path_factory: pytest.TempPathFactory):
    server = HttpServer(mcp_args(seeded.service.api, READ), tmp_path_factory.mktemp("mcp-http") / "log")
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["stdio", "http"])
def mcp(request: pytest.FixtureRequest, seeded: Ops):
    target = (stdio_server(mcp_args(seeded.service.api, READ)) if request.param == "stdio"
              else request.getfixturevalue("http_server").url)
    with McpSession(target) as session:
        yield session


def rest(seeded: Ops, path: str, params: Any = ()) -> Any:
    response = httpx.get(f"{seeded.service.api}/api/v1/{path}", params=params,
                         headers={"Authorization": f"Bearer {READ}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def answer(session: McpSession, tool: str, arguments: dict[str, Any] | None = None) -> Any:
    """The tool's structured answer (its text when it has none); a tool error fails the test with its text."""
    result = session.call(tool, arguments)
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return result.content[0].text


def same(model: type[BaseModel], ours: Any, theirs: Any) -> BaseModel:
    """Both answers read as the endpoint's wire model are equal (the REST answer may leave out unset fields)."""
    mine = model.model_validate(ours)
    assert mine == model.model_validate(theirs)
    return mine


def test_it_lists_the_read_tools_the_resources_and_the_prompt(mcp):
    tools = mcp.tools()
    assert set(tools) == READ_TOOLS
    assert all(t.description and t.annotations.read_only_hint for t in tools.values())
    assert tools["spend_breakdown"].input_schema["required"] == ["by"]
    assert tools["spend_summary"].output_schema["properties"]["change"]["type"] == "string"  # exact decimal text
    assert set(mcp.resources()) == {"spyglass://runbooks", "spyglass://prices"}
    assert mcp.templates() == ["spyglass://runbooks/{runbook_id}"]
    assert mcp.prompts() == ["investigate_incident"]


def test_spend_summary_is_the_apis_totals_for_the_range_and_the_one_before(mcp, seeded):
    summary = SpendSummary.model_validate(answer(mcp, "spend_summary", RANGE))
    now = CostBreakdown.model_validate(rest(seeded, "costs/breakdown", {**RANGE, "by": "provider", "limit": 1}))
    earlier = rest(seeded, "costs/breakdown", {"since": summary.previous.since, "until": summary.previous.until,
                                               "by": "provider", "limit": 1})
    assert summary.current.totals == now.totals and summary.current.totals.cost > 0
    assert summary.previous.totals == CostBreakdown.model_validate(earlier).totals
    assert summary.previous.until == summary.current.since
    assert summary.change == summary.current.totals.cost - summary.previous.totals.cost
    assert summary.change_ratio is None  # nothing was spent in the three hours before
    assert json.loads(mcp.call("spend_summary", RANGE).content[0].text)["change"] == str(summary.change)


def test_spend_breakdown_by_any_dimensions_is_the_apis(mcp, seeded):
    for by in (["model"], ["service", "provider"]):
        mine = same(CostBreakdown, answer(mcp, "spend_breakdown", {**RANGE, "by": by}),
                    rest(seeded, "costs/breakdown", {**RANGE, "by": ",".join(by), "limit": 20}))
        assert mine.rows
    narrowed = same(CostBreakdown, answer(mcp, "spend_breakdown", {**RANGE, "by": ["model"], "services": ["chat-api"]}),
                    rest(seeded, "costs/breakdown", {**RANGE, "by": "model", "limit": 20, "service": "chat-api"}))
    assert {r.model for r in narrowed.rows} == {"gpt-4o", "claude-sonnet-4"}


def test_the_costliest_traces_and_one_traces_spans_are_the_apis(mcp, seeded):
    top = same(Traces, answer(mcp, "top_costly_traces", {**RANGE, "limit": 3}),
               rest(seeded, "traces", {**RANGE, "sort": "cost", "limit": 3}))
    assert len(top.rows) == 3 and top.rows[0].cost >= top.rows[-1].cost > 0
    trace_id = top.rows[0].trace_id
    detail = same(TraceDetail, answer(mcp, "trace_spans", {"trace_id": trace_id}), rest(seeded, f"traces/{trace_id}"))
    assert detail.totals.cost == top.rows[0].cost


def test_compare_versions_is_the_apis_verdict(mcp, seeded):
    asked = {"by": "model", "baseline": "claude-sonnet-4", "candidate": "gpt-4o", **RANGE}
    verdict = same(Comparison, answer(mcp, "compare_versions", asked), rest(seeded, "compare", asked))
    assert verdict.verdict in ("pass", "marginal", "fail", "insufficient_data")


def test_firing_alerts_are_the_apis(mcp, seeded):
    mine = Alerts.model_validate(answer(mcp, "firing_alerts"))
    theirs = Alerts.model_validate(rest(seeded, "alerts", {"status": "firing"}))
    assert {(a.rule, a.fingerprint) for a in mine.alerts} == {(a.rule, a.fingerprint) for a in theirs.alerts}
    assert {a.rule for a in mine.alerts} == {"agent-spend", "chat-volume"}
    assert all(a.status == "firing" for a in mine.alerts)


def test_incidents_their_detail_and_post_mortem_are_the_apis(mcp, seeded):
    listed = same(Incidents, answer(mcp, "list_incidents", {"severity": ["SEV1", "SEV2", "SEV3", "SEV4"]}),
                  rest(seeded, "incidents", {"limit": 50}))
    first = listed.incidents[-1]
    detail = IncidentDetail.model_validate(answer(mcp, "incident_detail", {"incident_id": first.id}))
    theirs = IncidentDetail.model_validate(rest(seeded, f"incidents/{first.id}"))
    assert (detail.id, detail.title, detail.runbook, detail.labels) == (theirs.id, theirs.title, theirs.runbook,
                                                                       theirs.labels)
    assert detail.runbook is not None and detail.runbook.id == "cost-spike"
    report = answer(mcp, "incident_postmortem", {"incident_id": first.id})
    assert report.startswith("#") and first.id in report and first.title in report


def test_the_runbook_by_id_for_an_alert_and_pinned_to_an_incident(mcp, seeded):
    in_force = same(RunbookDocument, answer(mcp, "runbook", {"runbook_id": "cost-spike"}),
                    rest(seeded, "runbooks/cost-spike"))
    assert RunbookDocument.model_validate(answer(mcp, "runbook", {"alert": "agent-spend"})) == in_force
    pin = IncidentDetail.model_validate(rest(seeded, "incidents/INC-1")).runbook
    pinned = RunbookDocument.model_validate(answer(mcp, "runbook", {"incident_id": "INC-1"}))
    assert (pinned.id, pinned.version, pinned.content_sha256) == (pin.id, pin.version, pin.content_sha256)
    assert pinned.steps and pinned.text


def test_gpu_fleet_waste_and_drift_are_the_apis(mcp, seeded):
    fleet = same(GpuFleet, answer(mcp, "gpu_fleet", RANGE), rest(seeded, "gpu/fleet", RANGE))
    assert len(fleet.gpus) == 4
    waste = same(GpuWaste, answer(mcp, "gpu_waste", RANGE), rest(seeded, "gpu/waste", RANGE))
    assert {g.gpu_uuid for g in waste.gpus} >= {"GPU-node-a-1"}
    same(DriftResults, answer(mcp, "drift_status", RANGE),
         rest(seeded, "drift", {**RANGE, "latest": "true", "limit": 50}))


BAD = [
    ("spend_summary", {"since": ""}, "since"),
    ("spend_summary", {"since": "the day before"}, "since"),
    ("spend_breakdown", {"by": ["colour"]}, "by"),
    ("spend_breakdown", {"by": ["model", "model"]}, "distinct"),
    ("spend_breakdown", {}, "by"),
    ("spend_breakdown", {"by": ["model"], "limit": 0}, "limit"),
    ("top_costly_traces", {"limit": 1000}, "limit"),
    ("trace_spans", {"trace_id": "not-a-trace"}, "trace_id"),
    ("trace_spans", {"trace_id": "0" * 32}, "(404)"),
    ("compare_versions", {"by": "colour", "baseline": "a", "candidate": "b"}, "by"),
    ("compare_versions", {"by": "model", "candidate": "gpt-4o"}, "baseline"),
    ("firing_alerts", {"include_pending": "perhaps"}, "include_pending"),
    ("list_incidents", {"status": ["open"]}, "status"),
    ("incident_detail", {"incident_id": "12"}, "incident_id"),
    ("incident_detail", {"incident_id": "INC-999"}, "(404)"),
    ("incident_postmortem", {"incident_id": "INC-999"}, "(404)"),
    ("runbook", {}, "exactly one"),
    ("runbook", {"runbook_id": "cost-spike", "alert": "agent-spend"}, "exactly one"),
    ("runbook", {"runbook_id": "no-such-runbook"}, "(404)"),
    ("runbook", {"alert": "no-such-alert"}, "no alert"),
    ("runbook", {"incident_id": "INC-1", "version": "1.0.0"}, "version goes with runbook_id"),
    ("gpu_fleet", {"until": "whenever"}, "until"),
    ("gpu_waste", {"since": "soon"}, "since"),
    ("drift_status", {"limit": -1}, "limit"),
]


@pytest.mark.parametrize(("tool", "arguments", "said"), BAD, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(BAD)])
def test_bad_arguments_are_a_clear_tool_error(mcp, tool, arguments, said):
    result = mcp.call(tool, arguments)
    text = result.content[0].text
    assert result.is_error, text
    assert said in text and "Traceback" not in text, text


def test_every_read_tool_has_a_bad_argument_case():
    assert {tool for tool, _, _ in BAD} == READ_TOOLS


def test_the_resources_are_the_apis_runbooks_and_prices(mcp, seeded):
    assert RunbookLibrary.model_validate_json(mcp.read("spyglass://runbooks")) == RunbookLibrary.model_validate(
        rest(seeded, "runbooks"))
    assert mcp.read("spyglass://runbooks/cost-spike") == rest(seeded, "runbooks/cost-spike")["text"]
    prices = PriceCatalog.model_validate_json(mcp.read("spyglass://prices"))
    assert prices == PriceCatalog.model_validate(rest(seeded, "costs/catalog/entries"))
    gpt = next(e for e in prices.entries if "gpt-4o" in e.models and e.origin == "shipped")
    assert isinstance(gpt.input, Decimal) and '"input":"' in mcp.read("spyglass://prices")


def test_the_investigate_prompt_names_the_incident_and_the_tools(mcp, seeded):
    incident = IncidentDetail.model_validate(rest(seeded, "incidents/INC-1"))
    text = mcp.prompt("investigate_incident", {"incident_id": "INC-1"}).messages[0].content.text
    assert incident.title in text and "runbook with incident_id=INC-1" in text
    assert f"{incident.runbook.id} {incident.runbook.version}" in text
    for bad, said in (("twelve", "not an incident id"), ("INC-999", "404")):
        with pytest.raises(Exception, match=said):
            mcp.prompt("investigate_incident", {"incident_id": bad})


def test_a_service_that_is_down_is_a_clear_error(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    with McpSession(stdio_server(mcp_args(dead))) as session:
        result = session.call("list_incidents")
        assert result.is_error and dead in result.content[0].text and "spyglass up" in result.content[0].text
        with pytest.raises(Exception, match="spyglass up"):
            session.read("spyglass://prices")


def test_a_key_scoped_to_another_project_sees_none_of_this_ones(seeded):
    """The server passes its key on: a read key of project `elsewhere` gets no dollar, trace or incident of the
    fleet's project through it, and naming that project is the API's 403, as a tool error."""
    with McpSession(stdio_server(mcp_args(seeded.service.api, ELSEWHERE_KEY))) as session:
        spend = SpendSummary.model_validate(answer(session, "spend_summary", RANGE))
        assert (spend.current.totals.calls, spend.current.totals.cost) == (0, 0)
        assert Traces.model_validate(answer(session, "top_costly_traces", RANGE)).rows == []
        assert Incidents.model_validate(answer(session, "list_incidents")).incidents == []
        refused = session.call("spend_breakdown", {**RANGE, "by": ["model"], "projects": ["default"]})
    assert refused.is_error and "403" in refused.content[0].text, refused.content
    everything = CostBreakdown.model_validate(rest(seeded, "costs/breakdown", {**RANGE, "by": "model"}))
    assert everything.totals.calls > 0  # the fleet's key, on the same service, sees the spend


@pytest.fixture(scope="module")
def writer(seeded: Ops, tmp_path_factory: pytest.TempPathFactory):
    server = HttpServer(mcp_args(seeded.service.api, READ, ADMIN, allow_writes=True),
                        tmp_path_factory.mktemp("mcp-writes") / "log")
    try:
        with McpSession(server.url) as session:
            yield session
    finally:
        server.stop()


def test_the_write_tools_are_there_only_with_allow_writes(mcp, writer):
    tools = writer.tools()
    assert set(tools) == READ_TOOLS | WRITE_TOOLS
    assert not any(tools[name].annotations.read_only_hint for name in WRITE_TOOLS)
    refused = mcp.call("create_silence", {"matchers": ['alertname="chat-volume"'], "comment": "c", "created_by": "x"})
    assert refused.is_error and "create_silence" in refused.content[0].text


def test_acknowledge_note_and_silence_go_through_the_api(writer, seeded):
    entry = answer(writer, "add_incident_note", {"incident_id": "INC-1", "by": "alice", "text": "the agent loops"})
    timeline = rest(seeded, "incidents/INC-1")["timeline"]
    assert entry in timeline and any(e["actor"] == "alice" and "the agent loops" in e["text"] for e in timeline)
    acknowledged = IncidentDetail.model_validate(answer(writer, "acknowledge_incident",
                                                        {"incident_id": "INC-1", "by": "alice"}))
    assert acknowledged.status == "acknowledged" == rest(seeded, "incidents/INC-1")["status"]
    again = writer.call("acknowledge_incident", {"incident_id": "INC-1", "by": "alice"})
    assert again.is_error and "(409)" in again.content[0].text, again.content
    silence = SilenceInfo.model_validate(answer(writer, "create_silence", {
        "matchers": ['alertname="chat-volume"'], "comment": "known load test", "created_by": "alice",
        "duration": "30m"}))
    assert silence.state == "active" and silence.created_by == "alice"
    assert silence.id in {s["id"] for s in rest(seeded, "silences")["silences"]}
    for bad, said in (({"matchers": [], "comment": "c", "created_by": "x"}, "matchers"),
                      ({"matchers": ["not a matcher"], "comment": "c", "created_by": "x"}, "(400)"),
                      ({"incident_id": "INC-1", "by": "", "text": "t"}, "by")):
        tool = "add_incident_note" if "text" in bad else "create_silence"
        result = writer.call(tool, bad)
        assert result.is_error and said in result.content[0].text, result.content


def test_writes_without_the_admin_key_are_refused_and_say_which_key(seeded):
    before = rest(seeded, "silences")["silences"]
    with McpSession(stdio_server(mcp_args(seeded.service.api, READ, allow_writes=True))) as session:
        result = session.call("create_silence", {"matchers": ['alertname="agent-spend"'], "comment": "c",
                                                 "created_by": "mallory"})
    assert result.is_error and "--admin-key" in result.content[0].text, result.content
    assert rest(seeded, "silences")["silences"] == before
