"""The client against the API's own OpenAPI document, fetched from the real running service.

Every route under /api/v1 declares what its 200 answer is (no untyped `{}`), and every endpoint
the client calls exists with that method, and answers the JSON schema of the very model the
client parses it with; then every client method is called against the seeded service, through
a transport that records the requests, so no method can call a path the table does not list.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from client.api import ENDPOINTS, ApiClient, ApiError, Endpoint, Query
from client.models.alerts import BacktestRequest, SilenceRequest
from client.models.changes import ReportChange
from client.models.feedback import FeedbackItem
from client.models.incidents import ActionItem, EditIncident, OpenIncident, PostmortemPatch
from client.releases import CompareQuery
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
# Answers that are not JSON by design: the drift report is an HTML file, the post-mortem Markdown or HTML.
NOT_JSON = {("GET", "/api/v1/drift/{result_id}/report"): ("text/html",),
            ("GET", "/api/v1/incidents/{incident_id}/postmortem"): ("text/markdown", "text/html")}


@pytest.fixture(scope="module")
def openapi(fleet) -> dict[str, Any]:
    response = httpx.get(f"{fleet.api}/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


def resolve(schema: Any, definitions: dict[str, Any]) -> Any:
    """The schema with every `$ref` replaced by what it points at (components or `$defs`), without defaults:
    FastAPI leaves them out of response schemas (an answer has no defaults; a field is there or not)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return resolve(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
        return {key: resolve(value, definitions) for key, value in schema.items() if key not in ("$defs", "default")}
    if isinstance(schema, list):
        return [resolve(item, definitions) for item in schema]
    return schema


def ok_content(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation = openapi["paths"][path][method.lower()]
    return operation["responses"]["200"]["content"]


def test_every_api_route_declares_its_answer(openapi):
    routes = [(method.upper(), path) for path, operations in openapi["paths"].items() if path.startswith("/api/v1/")
              for method in operations]
    assert len(routes) >= 37
    components = openapi["components"]["schemas"]
    for method, path in routes:
        content = ok_content(openapi, method, path)
        if (method, path) in NOT_JSON:
            assert set(content) == set(NOT_JSON[(method, path)]), (method, path)
            continue
        schema = resolve(content["application/json"]["schema"], components)
        assert schema.get("type") == "object" and schema.get("properties"), f"{method} {path} has no model"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_the_client_parses_each_answer_with_the_model_the_api_declares(openapi, endpoint: Endpoint):
    assert endpoint.path in openapi["paths"] and endpoint.method.lower() in openapi["paths"][endpoint.path], \
        f"the API has no {endpoint.method} {endpoint.path}"
    content = ok_content(openapi, endpoint.method, endpoint.path)
    if endpoint.model is None:
        assert set(content) == set(NOT_JSON[(endpoint.method, endpoint.path)])
        return
    declared = resolve(content["application/json"]["schema"], openapi["components"]["schemas"])
    own = endpoint.model.model_json_schema(mode="serialization")
    assert declared == resolve(own, own.get("$defs", {}))


class Recording(httpx.HTTPTransport):
    """The real HTTP transport, noting each request's method and path."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path))
        return super().handle_request(request)


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")


def _not_found(call):
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.status


_OPENED: dict[str, str] = {}  # the incident the incident calls work on


def _open_incident(api: ApiClient) -> tuple[str, str | None]:
    made = api.open_incident(OpenIncident(title="openapi test", severity="SEV3", by="test", runbook="slo-burn@1.0.0"))
    _OPENED["id"] = made.id
    return made.status, made.runbook.version if made.runbook else None


def _incident_lifecycle(api: ApiClient) -> list[str]:
    return [api.transition_incident(_OPENED["id"], action, "test").status
            for action in ("ack", "mitigate", "resolve", "reopen", "resolve", "close")]


# Every public method of the client, called as a page or a verb would, and what the seeded fleet answers.
CALLS = {
    "summary": (lambda api, q: api.summary(q).overall.requests, 6),
    "timeseries": (lambda api, q: sum(p.requests for p in api.timeseries(q, by="model").points), 6),
    "filters": (lambda api, q: api.filters("6h").models, ["claude-sonnet-4", "gpt-4o"]),
    "llm_calls": (lambda api, q: len(api.llm_calls(q, limit=2).rows), 2),
    "operations": (lambda api, q: api.operations(q).rows, []),  # the fleet sends model calls only
    "traces": (lambda api, q: [r.llm_calls for r in api.traces(q, sort="cost").rows], [1] * 6),  # one call each
    "trace": (lambda api, q: api.trace(api.traces(q, limit=1).rows[0].trace_id).totals.llm_calls, 1),
    "cost_timeseries": (lambda api, q: api.cost_timeseries(q, by="model").step_seconds % 3600, 0),
    "cost_breakdown": (lambda api, q: api.cost_breakdown(q, "model", users=True).totals.calls, 6),
    "cost_unpriced": (lambda api, q: api.cost_unpriced(q).calls, 0),
    "cost_coverage": (lambda api, q: (api.cost_coverage(q).priced_calls, str(api.cost_coverage(q).share)), (6, "1")),
    "cost_catalog": (lambda api, q: api.cost_catalog().error, ""),
    "price_catalog": (lambda api, q: [e.id for e in api.price_catalog().entries if e.origin == "user"],
                      ["fleet-spare"]),  # tests/helpers/fleet.py's catalog file
    "reprice": (lambda api, q: api.reprice("1h").changed, 0),  # the catalog did not change: nothing does
    "budgets": (lambda api, q: [b.name for b in api.budgets().budgets], ["default-project"]),
    "gpu_costs": (lambda api, q: api.gpu_costs(q).hosts, []),
    "focus_export": (lambda api, q: api.focus_export("6h", "now").columns[0], "BilledCost"),
    "drift": (lambda api, q: api.drift(q).results, []),
    "drift_report": (lambda api, q: _not_found(lambda: api.drift_report("0" * 32)), 404),
    "gpu_fleet": (lambda api, q: api.gpu_fleet(q).gpus, []),
    "gpu_timeseries": (lambda api, q: api.gpu_timeseries(q, by="host").points, []),
    "gpu_waste": (lambda api, q: api.gpu_waste(q).gpus, []),
    "gpu_scrape_targets": (lambda api, q: api.gpu_scrape_targets(), []),
    "quality_summary": (lambda api, q: api.quality_summary(q).calls, 6),
    "compare": (lambda api, q: api.compare(CompareQuery("model", "gpt-4o", "claude-sonnet-4", since="6h")).verdict,
                "insufficient_data"),  # six calls: too few to judge
    "quality_timeseries": (lambda api, q: api.quality_timeseries(q, source="eval").points, []),
    "quality_worst": (lambda api, q: api.quality_worst(q, source="eval").rows, []),
    "quality_feedback": (lambda api, q: api.quality_feedback(q).rows, []),
    "quality_cost": (lambda api, q: api.quality_cost(q).evaluations, []),
    "alerts": (lambda api, q: api.alerts(status=("firing",)).alerts, []),
    "alert_history": (lambda api, q: api.alert_history("6h").events, []),
    "rules": (lambda api, q: "cost-spike" in [r.name for r in api.rules().rules], True),  # the shipped rules
    "backtest": (lambda api, q: api.backtest(BacktestRequest(
        text="rules:\n  - name: one\n    sql: SELECT 'x' AS s, 1 AS value\n", since="1h", step="10m")).rules[0].fired, 1),
    "silences": (lambda api, q: api.silences(state="expired").silences, []),
    "add_silence": (lambda api, q: api.add_silence(SilenceRequest(
        matchers=['alertname="openapi-test"'], created_by="test", comment="openapi test", duration="1m")).state,
        "active"),
    "silence": (lambda api, q: _not_found(lambda: api.silence("0" * 32)), 404),
    "expire_silence": (lambda api, q: _not_found(lambda: api.expire_silence("0" * 32)), 404),
    "notifications": (lambda api, q: api.notifications(state="dead", since="6h").notifications, []),
    "replay_notification": (lambda api, q: _not_found(lambda: api.replay_notification("0" * 32)), 404),
    "report_change": (lambda api, q: api.report_change(ReportChange(
        kind="config", service="chat-api", to_value="temperature=0.2", id="openapi-test")).dimension, ""),
    "changes": (lambda api, q: [c.id for c in api.changes(since="1h", kind="config").changes], ["openapi-test"]),
    "change": (lambda api, q: api.change("openapi-test").to_value, "temperature=0.2"),
    "change_verdicts": (lambda api, q: api.change_verdicts("openapi-test").verdicts, []),
    "settings": (lambda api, q: (api.settings().store.backend, api.settings().receivers), ("chdb", [])),
    "storage": (lambda api, q: next(t for t in api.storage().tables if t.table == "llm_calls").rows > 0, True),
    "runbooks": (lambda api, q: len(api.runbooks().runbooks), 12),
    "runbook": (lambda api, q: api.runbook("cost-spike", "1.0.0").steps[0].number, 1),
    "runbook_versions": (lambda api, q: [v.version for v in api.runbook_versions("slo-burn").versions], ["1.0.0"]),
    "runbook_diff": (lambda api, q: api.runbook_diff("slo-burn", "1.0.0", "1.0.0").diff, ""),
    "open_incident": (lambda api, q: _open_incident(api), ("triggered", "1.0.0")),
    "incidents": (lambda api, q: _OPENED["id"] in [i.id for i in api.incidents(status=("triggered",)).incidents],
                  True),
    "incident": (lambda api, q: api.incident(_OPENED["id"]).steps[0].number, 1),
    "edit_incident": (lambda api, q: api.edit_incident(_OPENED["id"], EditIncident(by="test", severity="SEV2")).severity,
                      "SEV2"),
    "note_incident": (lambda api, q: api.note_incident(_OPENED["id"], "test", "looking").text, "looking"),
    "check_runbook_step": (lambda api, q: api.check_runbook_step(_OPENED["id"], 1, "test").steps[0].checked, True),
    "edit_postmortem": (lambda api, q: api.edit_postmortem(_OPENED["id"], PostmortemPatch(
        by="test", summary="a test", action_items=[ActionItem(title="openapi item", owner="test")])).postmortem.summary,
        "a test"),
    "postmortem": (lambda api, q: (api.postmortem(_OPENED["id"]).startswith(f"# Post-mortem {_OPENED['id']}: openapi"),
                                   api.postmortem(_OPENED["id"], "html").startswith("<!DOCTYPE html>")), (True, True)),
    "transition_incident": (lambda api, q: _incident_lifecycle(api),
                            ["acknowledged", "mitigated", "resolved", "acknowledged", "resolved", "closed"]),
    "incident_metrics": (lambda api, q: sum(w.incidents for w in api.incident_metrics("1d").weeks) >= 1, True),
    "action_items": (lambda api, q: [(i.incident == _OPENED["id"], i.title) for i in api.action_items().items],
                     [(True, "openapi item")]),
    "send_feedback": (lambda api, q: api.send_feedback([FeedbackItem(trace_id="ab" * 16, name="openapi", value=1,
                                                                     user="test")]).waiting, 1),
}


def test_every_client_method_calls_a_listed_endpoint_and_parses_real_answers(fleet):
    public = {name for name in dir(ApiClient) if not name.startswith("_")} - {"from_env", "close"}
    assert public == set(CALLS), "a client method without a call here is not held to the API's document"
    recording = Recording()
    with ApiClient(fleet.api, transport=recording) as api:
        eventually(lambda: api.cost_breakdown(Query(since="6h"), "model").totals.calls == 6, timeout=60,
                   interval=0.5, what="the fleet's calls priced")
        answers = {name: call(api, Query(since="6h")) for name, (call, _) in CALLS.items()}
    assert answers == {name: expected for name, (_, expected) in CALLS.items()}
    unlisted = [seen for seen in recording.seen
                if not any(seen[0] == e.method and _template(e.path).match(seen[1]) for e in ENDPOINTS)]
    uncalled = [e.path for e in ENDPOINTS if not any(m == e.method and _template(e.path).match(p)
                                                     for m, p in recording.seen)]
    assert (unlisted, uncalled) == ([], [])
