"""Tenant isolation, route by route: a key scoped to project `alpha` never sees a row, a count or a dollar of project
`beta`, and asking for `beta` explicitly is a 403.

One service for the module holds both projects' data, sent as the other tests send it: LLM calls and tool spans
through the real OpenTelemetry SDK, GPU samples as OTLP to the receiver, feedback, changes and silences through the
API, alerts, notifications and incidents from the service's own rule evaluation, and drift results from the drift
job. Each route of the service's OpenAPI document has a check below; a route without one fails
`test_every_route_has_a_scope_check`, so a new route cannot ship without deciding its scope.

The checks compare the scoped answer with the unscoped one: narrowed to `alpha` it must be equal, and the unscoped
answer must differ (beta's data is in it, so the check can fail).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics
from opentelemetry.proto.resource.v1.resource_pb2 import Resource as ResourcePb
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from pipelines.drift.job import DriftConfig, run_drift_job
from spyglass.timerange import rfc3339
from tests.helpers.drift_data import NOW as DRIFT_NOW
from tests.helpers.drift_data import insert_windows
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.receivers import Answer, Endpoint
from tests.helpers.stores import drop_database
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("key-scopes")

A_READ, ALL_READ, A_ADMIN, ADMIN = "alpha-read-key", "all-read-key", "alpha-admin-key", "all-admin-key"
ALPHA, BETA = "alpha", "beta"
SERVICES = {ALPHA: "alpha-svc", BETA: "beta-svc"}
MODELS = {ALPHA: "gpt-4o", BETA: "claude-sonnet-4"}
PROVIDERS = {"gpt-4o": "openai", "claude-sonnet-4": "anthropic"}
UNPRICED = {ALPHA: "alpha-unpriced-model", BETA: "beta-unpriced-model"}
HOSTS = {ALPHA: "gpu-alpha", BETA: "gpu-beta"}
START = datetime.now(timezone.utc)
WINDOW = {"since": rfc3339(START - timedelta(hours=6)), "until": rfc3339(START + timedelta(hours=2))}
DRIFT_WINDOW = {"since": rfc3339(DRIFT_NOW - timedelta(days=2)), "until": rfc3339(START + timedelta(hours=2))}
RULES = """rules:
  - name: calls-by-project
    sql: |
      SELECT project, toFloat64(count()) AS value FROM llm_calls FINAL
      WHERE timestamp > now() - INTERVAL 1 DAY GROUP BY project
    severity: critical
    annotations:
      summary: "{{ $labels.project }} is calling"
  - name: calls-everywhere
    sql: SELECT toFloat64(count()) AS value FROM llm_calls FINAL WHERE timestamp > now() - INTERVAL 1 DAY
    severity: warning
"""
BACKTEST = {"text": RULES, "file": "rules.yaml", "since": "1h", "until": "now", "step": "5m"}


@dataclass
class Tenants:
    """The seeded service and the ids of each project's items."""

    running: RunningService
    traces: dict[str, str] = field(default_factory=dict)
    drift: dict[str, str] = field(default_factory=dict)
    changes: dict[str, str] = field(default_factory=dict)
    silences: dict[str | None, str] = field(default_factory=dict)
    incidents: dict[str | None, str] = field(default_factory=dict)
    notifications: dict[str, str] = field(default_factory=dict)

    def send(self, method: str, path: str, key: str, params: dict | None = None, body: Any = None) -> httpx.Response:
        return httpx.request(method, self.running.api + path, params=params, json=body, timeout=60,
                             headers={"Authorization": f"Bearer {key}"})

    def get(self, path: str, key: str, params: dict | None = None) -> httpx.Response:
        response = self.send("GET", path, key, params)
        assert response.status_code == 200, (path, key, response.text)
        return response


def _spans(otlp_http: str, project: str) -> str:
    """Two LLM calls (one priced, one not) and a tool span of `project`, in one trace; its trace id."""
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICES[project],
                                                        "spyglass.project": project}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_http}/v1/traces", timeout=10)))
    tracer = provider.get_tracer("tests.scopes")
    begin = time.time_ns() - 600 * 1_000_000_000
    root = tracer.start_span("handle", start_time=begin)
    inside = trace.set_span_in_context(root)
    for i, model in enumerate((MODELS[project], UNPRICED[project])):
        span = tracer.start_span(f"chat {model}", inside, SpanKind.CLIENT, start_time=begin + i * 10**9, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDERS.get(model, "openai"),
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 300, "spyglass.team": "search"})
        span.end(end_time=begin + i * 10**9 + 400_000_000)
    tool = tracer.start_span("execute_tool lookup", inside, start_time=begin, attributes={
        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"})
    tool.end(end_time=begin + 50_000_000)
    root.end(end_time=begin + 3 * 10**9)
    trace_id = f"{root.get_span_context().trace_id:032x}"
    provider.shutdown()
    return trace_id


def _incident_project(t: Tenants, row: dict[str, Any]) -> str | None:
    """An incident's project label (the list gives summaries; the detail has the labels)."""
    return t.get(f"/api/v1/incidents/{row['id']}", ADMIN).json()["labels"].get("project")


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _gpu_samples(otlp_http: str) -> None:
    """An hour of per-minute samples of one idle GPU per project, as OTLP metrics (the resource names the project)."""
    end_ns = time.time_ns() // 60_000_000_000 * 60_000_000_000 - 300 * 1_000_000_000
    resources = []
    for project, host in HOSTS.items():
        ident = [_kv("hw.id", f"GPU-{host}"), _kv("hw.gpu.index", "0"), _kv("hw.model", "NVIDIA L4")]
        points = [NumberDataPoint(time_unix_nano=end_ns - m * 60_000_000_000, as_double=0.02, attributes=ident)
                  for m in range(60)]
        metric = Metric(name="hw.gpu.utilization", gauge=Gauge(data_points=points))
        resources.append(ResourceMetrics(
            resource=ResourcePb(attributes=[_kv("host.name", host), _kv("spyglass.project", project)]),
            scope_metrics=[ScopeMetrics(scope=InstrumentationScope(name="tests.scopes"), metrics=[metric])]))
    body = ExportMetricsServiceRequest(resource_metrics=resources).SerializeToString()
    response = httpx.post(f"{otlp_http}/v1/metrics", content=body, timeout=30,
                          headers={"Content-Type": "application/x-protobuf"})
    assert response.status_code == 200, response.text


def _seed(t: Tenants, reports: Path) -> None:
    running = t.running
    for project in (ALPHA, BETA):
        t.traces[project] = _spans(running.otlp_http, project)
    _gpu_samples(running.otlp_http)
    rng = np.random.default_rng(7)
    for project in (ALPHA, BETA):
        insert_windows(running.store, rng, MODELS[project], (220, 220), project=project, service=SERVICES[project])
    run_drift_job(running.store, DriftConfig(), DRIFT_NOW, reports)
    for row in running.rows("SELECT id, project FROM drift_results WHERE status = 'ok'"):
        t.drift[row["project"]] = row["id"]
    for project in (ALPHA, BETA):
        change = t.send("POST", "/api/v1/changes", ADMIN, body={
            "kind": "deploy", "service": SERVICES[project], "to": "v2", "project": project}).json()
        t.changes[project] = change["id"]
        silence = t.send("POST", "/api/v1/silences", ADMIN, body={
            "matchers": [f'project="{project}"', 'alertname="nothing"'], "created_by": "t", "comment": "c",
            "duration": "1h"}).json()
        t.silences[project] = silence["id"]
        feedback = t.send("POST", "/api/v1/feedback", ADMIN, body={
            "trace_id": t.traces[project], "name": "thumbs", "value": 1})
        assert feedback.status_code == 200, feedback.text
    t.silences[None] = t.send("POST", "/api/v1/silences", ADMIN, body={
        "matchers": ['alertname="nothing"'], "created_by": "t", "comment": "c", "duration": "1h"}).json()["id"]
    by_hand = t.send("POST", "/api/v1/incidents", ADMIN, body={"title": "by hand", "severity": "SEV3", "by": "t"})
    t.incidents[None] = by_hand.json()["id"]

    missing: list[str] = []

    def everything_in() -> bool:
        for i in t.get("/api/v1/incidents", ADMIN).json()["incidents"]:
            project = _incident_project(t, i)
            if project:
                t.incidents[project] = i["id"]
        notes = t.get("/api/v1/notifications", ADMIN).json()["notifications"]
        for n in notes:
            if n["state"] != "pending" and n["group_labels"].get("project"):
                t.notifications[n["group_labels"]["project"]] = n["id"]
        costs = t.get("/api/v1/costs/breakdown", ADMIN, {**WINDOW, "by": "project"}).json()["rows"]
        scores = t.get("/api/v1/quality/summary", ADMIN, WINDOW).json()
        gpus = t.get("/api/v1/gpu/costs", ADMIN, WINDOW).json()["hosts"]
        missing[:] = [name for name, seen in (("incidents", set(t.incidents)), ("notifications", set(t.notifications)),
                                              ("costs", {r["project"] for r in costs if Decimal(r["cost"]) > 0}),
                                              ("scores", {ALPHA, BETA} if scores["scores"] else set()),
                                              ("gpu costs", {p for p, h in HOSTS.items() if h in str(gpus)}))
                      if not {ALPHA, BETA} <= seen]
        return not missing

    try:
        eventually(everything_in, timeout=90, what="alerts, incidents, notifications and costs of both projects")
    except AssertionError:
        raise AssertionError(f"still missing: {missing}") from None
    for project, incident in t.incidents.items():
        t.send("PATCH", f"/api/v1/incidents/{incident}/postmortem", ADMIN, body={
            "by": "t", "action_items": [{"title": f"fix {project}", "owner": "o"}]}).raise_for_status()


@pytest.fixture(scope="module")
def tenants(chdb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenants]:
    root = tmp_path_factory.mktemp("tenants")
    (root / "rules.yaml").write_text(RULES)
    receiver = Endpoint(lambda _n, _r: Answer(200))
    alerts = {"shipped_rules": False, "rule_files": [str(root / "rules.yaml")], "evaluation_interval_seconds": 1,
              "route": {"receiver": "hook", "group_by": ["alertname", "project"], "group_wait": "0s"},
              "receivers": [{"name": "hook", "type": "webhook", "url": f"{receiver.url}/hook"}],
              "delivery_max_attempts": 1, "delivery_poll_seconds": 1}
    budgets = [{"name": f"{p}-budget", "scope": "project", "value": p, "monthly": "100"} for p in (ALPHA, BETA)]
    settings = make_settings(
        "chdb", chdb_dir, read_keys={A_READ: [ALPHA], ALL_READ: "*"}, admin_keys={A_ADMIN: [ALPHA], ADMIN: "*"},
        alerts=alerts, drift={"reports_dir": str(root / "reports")},
        costs={"interval_seconds": 1, "rollup_interval_seconds": 1,
               "budgets": [*budgets, {"name": "search-team", "scope": "team", "value": "search", "monthly": "100"}]},
        quality={"heuristics_interval_seconds": 1, "join_interval_seconds": 1},
        gpu={"model_prices": {"NVIDIA L4": "0.8"}, "cost_interval_seconds": 1, "cost_lookback_hours": 3})
    running = RunningService(settings)
    try:
        t = Tenants(running)
        _seed(t, root / "reports")
        yield t
    finally:
        running.stop()
        receiver.close()
        drop_database(settings.data_dir, settings.clickhouse_url, settings.database)


# --- the checks, one kind per way a route meets projects ---------------------------------------------------------

Check = Callable[[Tenants, str, str], None]  # (tenants, method, path)


def _beta_markers(t: Tenants) -> list[str]:
    return [f'"{BETA}"', SERVICES[BETA], MODELS[BETA], UNPRICED[BETA], HOSTS[BETA], t.traces[BETA],
            t.drift[BETA], t.changes[BETA]]


def _clean(t: Tenants, text: str, where: str, echoed: Collection[str] = ()) -> None:
    found = [m for m in _beta_markers(t) if m in text and m not in echoed]
    assert not found, f"{where}: project beta's {found} in the answer to alpha's key"


def _forbidden(response: httpx.Response, where: str) -> None:
    assert response.status_code == 403, (where, response.status_code, response.text)
    assert "error" in response.json(), where


def filtered(params: dict[str, str] | None = None, project_param: str = "project") -> Check:
    """A route with a `project` filter: alpha's key gets exactly the answer narrowed to alpha, which is not the
    unscoped answer; naming beta is a 403. (A value the request names, such as compare's candidate, is echoed.)"""
    asked = {**WINDOW, **(params or {})}
    echoed = set(asked.values())

    def check(t: Tenants, _method: str, path: str) -> None:
        scoped = t.get(path, A_READ, asked)
        narrowed = t.get(path, ALL_READ, {**asked, project_param: ALPHA})
        everything = t.get(path, ALL_READ, asked)
        assert scoped.json() == narrowed.json(), path
        assert everything.json() != scoped.json(), f"{path}: the unscoped answer has no beta data to hide"
        _clean(t, scoped.text, path, echoed)
        _forbidden(t.send("GET", path, A_READ, {**asked, project_param: BETA}), path)
        _forbidden(t.send("GET", path, A_READ, {**asked, project_param: [ALPHA, BETA]}), path)

    return check


def listed(items: Callable[[Any], list[Any]], visible: Callable[[Tenants, Any], bool],
           params: dict[str, str] | None = None) -> Check:
    """A route without a `project` filter: alpha's key gets the unscoped items it may see, and they are fewer."""
    def check(t: Tenants, _method: str, path: str) -> None:
        scoped = t.get(path, A_READ, params)
        everything = items(t.get(path, ALL_READ, params).json())
        mine = items(scoped.json())
        assert mine == [i for i in everything if visible(t, i)], path
        assert len(mine) < len(everything), f"{path}: the unscoped answer has nothing to hide"
        _clean(t, json.dumps(mine), path)

    return check


def item(kind: str, suffix: str = "", params: dict[str, str] | None = None) -> Check:
    """A route about one item: beta's answers 404 to alpha's key (as an unknown id), alpha's is the unscoped
    answer."""
    def check(t: Tenants, _method: str, path: str) -> None:
        ids: dict[Any, str] = getattr(t, kind)
        route = path.split("{")[0]
        hidden = t.send("GET", f"{route}{ids[BETA]}{suffix}", A_READ, params)
        assert hidden.status_code == 404, (path, hidden.text)
        mine = t.send("GET", f"{route}{ids[ALPHA]}{suffix}", A_READ, params)
        assert mine.status_code == 200, (path, mine.text)
        assert mine.content == t.send("GET", f"{route}{ids[ALPHA]}{suffix}", ALL_READ, params).content, path
        if None in ids:
            assert t.send("GET", f"{route}{ids[None]}{suffix}", A_READ, params).status_code == 404, path

    return check


def same(t: Tenants, _method: str, path: str) -> None:
    """Global, not project data (runbooks, the price catalog): the same answer to every key."""
    filled = re.sub(r"\{runbook_id\}", "cost-spike", path)
    assert t.get(filled, A_READ).content == t.get(filled, ALL_READ).content, path


def refused(body: Any = None, key: str = A_ADMIN) -> Check:
    """Not limited to one project (a reprice, a backtest, the settings, an incident opened by hand): a scoped key
    is refused, a key of every project is not."""
    def check(t: Tenants, method: str, path: str) -> None:
        response = t.send(method, path, key, body=body)
        _forbidden(response, path)
        assert "every project" in response.json()["error"], response.text

    return check


def _as_written(incident: dict[str, Any]) -> dict[str, Any]:
    """An incident without the timeline events the service adds by itself meanwhile (changes it attaches)."""
    return {**incident, "timeline": [e for e in incident["timeline"] if e["kind"] != "change"]}


def incident_write(action: str, body: dict[str, Any]) -> Check:
    """A change to one incident: another project's is a 404 to alpha's admin key, and nothing changes."""
    def check(t: Tenants, method: str, path: str) -> None:
        for other in (BETA, None):
            before = _as_written(t.get(f"/api/v1/incidents/{t.incidents[other]}", ADMIN).json())
            refused_ = t.send(method, f"/api/v1/incidents/{t.incidents[other]}{action}", A_ADMIN, body=body)
            assert refused_.status_code == 404, (path, refused_.text)
            assert _as_written(t.get(f"/api/v1/incidents/{t.incidents[other]}", ADMIN).json()) == before, path
        mine = t.send(method, f"/api/v1/incidents/{t.incidents[ALPHA]}{action}", A_ADMIN, body=body)
        # 409: a move the incident's status refuses; 400: a step of an incident without a runbook.
        assert mine.status_code in (200, 400, 409), (path, mine.text)

    return check


def _alert_projects(t: Tenants, row: dict[str, Any]) -> bool:
    return row["labels"].get("project") == ALPHA


def _silence_alpha(_t: Tenants, row: dict[str, Any]) -> bool:
    return f'project="{ALPHA}"' in row["matchers"]


def _notification_alpha(_t: Tenants, row: dict[str, Any]) -> bool:
    return row["group_labels"].get("project") == ALPHA


def _incident_alpha(t: Tenants, row: dict[str, Any]) -> bool:
    return _incident_project(t, row) == ALPHA


def _filters(t: Tenants, _method: str, path: str) -> None:
    scoped, everything = t.get(path, A_READ, WINDOW).json(), t.get(path, ALL_READ, WINDOW).json()
    assert scoped["projects"] == [ALPHA] and {ALPHA, BETA} <= set(everything["projects"])
    assert scoped["services"] == [SERVICES[ALPHA]] and SERVICES[BETA] in everything["services"]
    _clean(t, json.dumps(scoped), path)


def _focus(t: Tenants, _method: str, path: str) -> None:
    scoped, everything = t.get(path, A_READ, WINDOW).json(), t.get(path, ALL_READ, WINDOW).json()
    assert scoped["rows"] == [r for r in everything["rows"] if f'"{BETA}"' not in json.dumps(r)]
    assert len(scoped["rows"]) < len(everything["rows"]) and scoped["rows"]
    _clean(t, json.dumps(scoped), path)


def _budgets(t: Tenants, _method: str, path: str) -> None:
    scoped = [b["name"] for b in t.get(path, A_READ).json()["budgets"]]
    everything = [b["name"] for b in t.get(path, ALL_READ).json()["budgets"]]
    assert scoped == [f"{ALPHA}-budget"] and len(everything) == 3


def _rules(t: Tenants, _method: str, path: str) -> None:
    scoped, everything = t.get(path, A_READ).json(), t.get(path, ALL_READ).json()
    assert all(r["last_evaluation"] is None for r in scoped["rules"])
    assert all(r["last_evaluation"] is not None for r in everything["rules"])
    assert [{**r, "last_evaluation": None} for r in everything["rules"]] == scoped["rules"]


def _scrape_targets(t: Tenants, _method: str, path: str) -> None:
    assert t.get(path, A_READ).json()["targets"] == []


def _incident_metrics(t: Tenants, _method: str, path: str) -> None:
    """Metrics are computed over the incidents the key sees: alpha's one, not all three."""
    since = {"since": WINDOW["since"]}
    scoped, everything = t.get(path, A_READ, since).json(), t.get(path, ALL_READ, since).json()
    assert sum(m["incidents"] for m in scoped["months"]) == 1
    assert sum(m["incidents"] for m in everything["months"]) == 3


def _action_items(t: Tenants, _method: str, path: str) -> None:
    scoped, everything = t.get(path, A_READ).json()["items"], t.get(path, ALL_READ).json()["items"]
    assert scoped == [i for i in everything if i["incident"] == t.incidents[ALPHA]] and len(everything) == 3
    _clean(t, json.dumps(scoped), path)


def _alerts_now(t: Tenants, _method: str, path: str) -> None:
    scoped = t.get(path, A_READ).json()["alerts"]
    everything = t.get(path, ALL_READ).json()["alerts"]
    assert [a["fingerprint"] for a in scoped] == [a["fingerprint"] for a in everything if _alert_projects(t, a)]
    assert len(scoped) < len(everything) and scoped
    assert all(s in (t.silences[ALPHA],) for a in scoped for s in a["silenced_by"])
    _clean(t, json.dumps(scoped), path)


def _feedback(t: Tenants, method: str, path: str) -> None:
    """Feedback is telemetry: it takes an ingest key (or none), whose project it carries; read and admin keys are
    refused only when ingest keys exist. Its scope is the ingest key's project (collector/auth.py), not a read
    key's, so there is nothing to hide here: the route writes and answers with what it was sent."""
    response = t.send(method, path, A_READ, body={"trace_id": t.traces[ALPHA], "name": "thumbs", "value": 1})
    assert response.status_code == 200 and response.json()["projects"] == [ALPHA], response.text


def _silence_post(t: Tenants, method: str, path: str) -> None:
    for matchers in (['project="beta"'], ['alertname="x"'], ['project=~"alpha|beta"']):
        _forbidden(t.send(method, path, A_ADMIN, body={"matchers": matchers, "created_by": "t", "comment": "c",
                                                      "duration": "5m"}), str(matchers))
    mine = t.send(method, path, A_ADMIN, body={"matchers": ['project="alpha"', 'alertname="x"'], "created_by": "t",
                                              "comment": "c", "duration": "5m"})
    assert mine.status_code == 200, mine.text
    t.silences["extra"] = mine.json()["id"]


def _silence_delete(t: Tenants, method: str, path: str) -> None:
    for other in (BETA, None):
        assert t.send(method, f"/api/v1/silences/{t.silences[other]}", A_ADMIN).status_code == 404
        assert t.get(f"/api/v1/silences/{t.silences[other]}", ADMIN).json()["state"] == "active"
    mine = t.send("POST", "/api/v1/silences", A_ADMIN, body={"matchers": ['project="alpha"'], "created_by": "t",
                                                            "comment": "c", "duration": "5m"}).json()["id"]
    assert t.send(method, f"/api/v1/silences/{mine}", A_ADMIN).json()["state"] == "expired"


def _replay(t: Tenants, method: str, path: str) -> None:
    beta = t.notifications[BETA]
    assert t.send(method, f"/api/v1/notifications/{beta}/replay", A_ADMIN).status_code == 404
    mine = t.send(method, f"/api/v1/notifications/{t.notifications[ALPHA]}/replay", A_ADMIN)
    assert mine.status_code in (200, 409), mine.text


def _change_post(t: Tenants, method: str, path: str) -> None:
    body = {"kind": "deploy", "service": SERVICES[BETA], "to": "v3", "project": BETA}
    _forbidden(t.send(method, path, A_ADMIN, body=body), path)
    mine = t.send(method, path, A_ADMIN, body={**body, "project": ALPHA, "service": SERVICES[ALPHA]})
    assert mine.status_code == 200, mine.text
    taken = t.send(method, path, A_ADMIN, body={**body, "project": ALPHA, "id": t.changes[BETA]})
    assert taken.status_code == 409 and SERVICES[BETA] not in taken.text, taken.text


def _changes_list(t: Tenants, _method: str, path: str) -> None:
    scoped = t.get(path, A_READ).json()["changes"]
    everything = t.get(path, ALL_READ).json()["changes"]
    assert scoped == [c for c in everything if c["project"] == ALPHA] and len(scoped) < len(everything)
    assert scoped == t.get(path, ALL_READ, {"project": ALPHA}).json()["changes"]
    _forbidden(t.send("GET", path, A_READ, {"project": BETA}), path)


CHECKS: dict[tuple[str, str], Check] = {
    ("GET", "/api/v1/summary"): filtered(),
    ("GET", "/api/v1/timeseries"): filtered({"by": "service"}),
    ("GET", "/api/v1/filters"): _filters,
    ("GET", "/api/v1/llm-calls"): filtered(),
    ("GET", "/api/v1/operations"): filtered(),
    ("GET", "/api/v1/costs/timeseries"): filtered({"by": "project"}),
    ("GET", "/api/v1/costs/breakdown"): filtered({"by": "project"}),
    ("GET", "/api/v1/costs/unpriced"): filtered(),
    ("GET", "/api/v1/costs/coverage"): filtered(),
    ("GET", "/api/v1/costs/catalog"): same,
    ("GET", "/api/v1/costs/catalog/entries"): same,  # no project-scoped entry here: tests/spyglass/test_catalog_api.py
    ("POST", "/api/v1/costs/reprice"): refused({"since": "1h", "until": "now"}),
    ("GET", "/api/v1/budgets"): _budgets,
    ("GET", "/api/v1/gpu/fleet"): filtered(),
    ("GET", "/api/v1/gpu/timeseries"): filtered(),
    ("GET", "/api/v1/gpu/waste"): filtered({"min_idle_seconds": "600"}),
    ("GET", "/api/v1/gpu/scrape-targets"): _scrape_targets,
    ("GET", "/api/v1/gpu/costs"): filtered(),
    ("GET", "/api/v1/export/focus"): _focus,
    ("GET", "/api/v1/drift"): filtered(DRIFT_WINDOW),
    ("GET", "/api/v1/drift/{result_id}"): item("drift"),
    ("GET", "/api/v1/drift/{result_id}/report"): item("drift", "/report"),
    ("GET", "/api/v1/quality/summary"): filtered(),
    ("GET", "/api/v1/quality/timeseries"): filtered({"source": "feedback"}),
    ("GET", "/api/v1/quality/worst"): filtered({"source": "feedback"}),
    ("GET", "/api/v1/quality/feedback"): filtered(),
    ("GET", "/api/v1/quality/cost"): filtered(),
    ("GET", "/api/v1/alerts"): _alerts_now,
    ("GET", "/api/v1/alerts/history"): listed(lambda body: body["events"], _alert_projects, {"since": "1d"}),
    ("GET", "/api/v1/rules"): _rules,
    ("POST", "/api/v1/rules/backtest"): refused(BACKTEST, A_READ),
    ("GET", "/api/v1/silences"): listed(lambda body: body["silences"], _silence_alpha),
    ("POST", "/api/v1/silences"): _silence_post,
    ("GET", "/api/v1/silences/{silence_id}"): item("silences"),
    ("DELETE", "/api/v1/silences/{silence_id}"): _silence_delete,
    ("GET", "/api/v1/notifications"): listed(lambda body: body["notifications"], _notification_alpha),
    ("POST", "/api/v1/notifications/{notification_id}/replay"): _replay,
    ("GET", "/api/v1/runbooks"): same,
    ("GET", "/api/v1/runbooks/{runbook_id}"): same,
    ("GET", "/api/v1/runbooks/{runbook_id}/versions"): same,
    ("GET", "/api/v1/runbooks/{runbook_id}/diff"): lambda t, m, p: None if t.send(
        m, p.replace("{runbook_id}", "cost-spike"), A_READ).status_code != 200 else same(t, m, p),
    ("GET", "/api/v1/incidents"): listed(lambda body: body["incidents"], _incident_alpha),
    ("POST", "/api/v1/incidents"): refused({"title": "x", "severity": "SEV3", "by": "t"}),
    ("GET", "/api/v1/incidents/metrics"): _incident_metrics,
    ("GET", "/api/v1/incidents/{incident_id}"): item("incidents"),
    ("PATCH", "/api/v1/incidents/{incident_id}"): incident_write("", {"by": "t", "title": "renamed"}),
    **{("POST", f"/api/v1/incidents/{{incident_id}}/{action}"): incident_write(f"/{action}", {"by": "t"})
       for action in ("ack", "mitigate", "resolve", "close", "reopen")},
    ("POST", "/api/v1/incidents/{incident_id}/notes"): incident_write("/notes", {"by": "t", "text": "n"}),
    ("POST", "/api/v1/incidents/{incident_id}/runbook-steps/{step}"): incident_write(
        "/runbook-steps/1", {"by": "t", "checked": True}),
    ("PATCH", "/api/v1/incidents/{incident_id}/postmortem"): incident_write("/postmortem", {"by": "t", "summary": "s"}),
    ("GET", "/api/v1/incidents/{incident_id}/postmortem"): item("incidents", "/postmortem"),
    ("GET", "/api/v1/action-items"): _action_items,
    ("POST", "/api/v1/feedback"): _feedback,
    ("GET", "/api/v1/changes"): _changes_list,
    ("POST", "/api/v1/changes"): _change_post,
    ("GET", "/api/v1/changes/{change_id}"): item("changes"),
    ("GET", "/api/v1/changes/{change_id}/verdicts"): item("changes", "/verdicts"),
    ("GET", "/api/v1/compare"): filtered({"by": "model", "baseline": MODELS[ALPHA], "candidate": MODELS[BETA]}),
    ("GET", "/api/v1/traces"): filtered(),
    ("GET", "/api/v1/traces/{trace_id}"): item("traces"),
    ("GET", "/api/v1/settings"): refused(),
    ("GET", "/api/v1/storage"): refused(key=A_READ),
    ("GET", "/metrics"): refused(key=A_READ),
}
PROBES = {("GET", "/healthz"), ("GET", "/readyz")}  # no data, no key


def _routes(api: str) -> set[tuple[str, str]]:
    document = httpx.get(f"{api}/openapi.json", timeout=30).json()
    return {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}


def test_every_route_has_a_scope_check(tenants: Tenants) -> None:
    routes = _routes(tenants.running.api) - PROBES
    assert not routes - set(CHECKS), f"routes without a scope check (add one to CHECKS): {sorted(routes - set(CHECKS))}"
    assert not set(CHECKS) - routes, f"checks of routes that no longer exist: {sorted(set(CHECKS) - routes)}"


# Reads first, then the writes (which change incidents, silences and notifications), each in document order.
ORDER = sorted(CHECKS, key=lambda route: (route[0] != "GET", route[1]))


@pytest.mark.parametrize("route", ORDER, ids=[f"{m} {p}" for m, p in ORDER])
def test_a_scoped_key_sees_only_its_projects(tenants: Tenants, route: tuple[str, str]) -> None:
    CHECKS[route](tenants, *route)


def test_spyglass_own_traces_need_a_key_of_every_project(tenants: Tenants) -> None:
    """The service's own spans (service.name=spyglass) serve every project, like its metrics."""
    response = tenants.send("GET", "/api/v1/traces?service=spyglass", A_READ)
    _forbidden(response, "own traces")
    assert "every project" in response.json()["error"]
    assert tenants.get("/api/v1/traces?service=spyglass", ALL_READ).json()["rows"] is not None
