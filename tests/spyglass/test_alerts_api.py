"""Alerting in the running service: the engine as a scheduled job, the alerts, history, rules, silences and
backtest API through the client, the CLI verbs, and bad rule files at start and while running."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from client.api import ApiClient, ApiError
from client.models.alerts import BacktestRequest, SilenceRequest
from runbooks.library import SHIPPED_DIR
from spyglass.service import Service
from store.errors import ConfigError
from tests.helpers.alerting import BURST, LevelDetector
from tests.helpers.calls import insert_call
from tests.helpers.cli import spyglass
from tests.helpers.in_process import make_settings
from tests.helpers.receivers import endpoint
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")

ALWAYS = """rules:
  - name: chat-busy
    sql: SELECT 'chat' AS service, 3.5 AS value
    severity: critical
    annotations: {summary: "{{ $labels.service }} is busy ({{ $value }})"}
    runbook: cost-spike
  - name: quiet
    detector: level
    params: {above: 1000}
"""


@pytest.fixture
def alerting(service_factory, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(ALWAYS)
    with endpoint() as webhook:
        service = service_factory(
            parts={"detectors": {"level": LevelDetector()}},
            alerts={"shipped_rules": False, "rule_files": [str(rules)], "evaluation_interval_seconds": 0.5,
                    "receivers": [{"name": "team", "type": "webhook", "url": webhook.url}],
                    "route": {"receiver": "team", "group_wait": "0s"}})
        yield service, webhook, rules


def test_the_engine_runs_on_schedule_and_the_api_shows_its_alerts_rules_and_history(alerting):
    service, webhook, _ = alerting
    with ApiClient(service.api) as api:
        firing = eventually(lambda: api.alerts(status=("firing",)).alerts, timeout=30, what="a firing alert")
        rules = api.rules()
        history = api.alert_history(since="1h", rule="chat-busy")
        health = eventually(lambda: api.rules().rules[0].last_evaluation, timeout=30, what="rule health")
    [alert] = firing
    assert (alert.rule, alert.severity, alert.value, alert.runbook) == ("chat-busy", "critical", 3.5, "cost-spike")
    assert alert.labels == {"service": "chat", "alertname": "chat-busy", "severity": "critical"}
    assert alert.annotations["summary"] == "chat is busy (3.5)" and alert.silenced_by == []
    assert rules.error == "" and [(r.name, r.kind) for r in rules.rules] == [("chat-busy", "sql"),
                                                                           ("quiet", "detector level")]
    assert rules.rules[1].params == {"above": 1000} and rules.rules[0].annotations["summary"].startswith("{{")
    assert [(e.from_status, e.to_status) for e in history.events] == [("inactive", "firing")]
    assert health.instances == 1 and health.error == ""
    [body] = eventually(webhook.bodies, timeout=30, what="a notification")
    assert body["groupKey"] == '{}:{alertname="chat-busy"}' and body["status"] == "firing"
    jobs = httpx.get(f"{service.api}/readyz").json()["jobs"]
    assert jobs["alerts"]["last_error"] == "" and jobs["alerts"]["last_result"]["firing"] == 1


def test_silences_through_the_api_mute_and_expire(alerting):
    service, _, _ = alerting
    with ApiClient(service.api) as api:
        eventually(lambda: api.alerts(status=("firing",)).alerts, timeout=30, what="a firing alert")
        made = api.add_silence(SilenceRequest(matchers=['alertname="chat-busy"'], created_by="ana",
                                              comment="load test", duration="2h"))
        assert made.state == "active" and api.silence(made.id).comment == "load test"
        assert api.alerts().alerts[0].silenced_by == [made.id]
        gone = api.expire_silence(made.id)
        assert gone.state == "expired" and api.alerts().alerts[0].silenced_by == []
        assert [s.id for s in api.silences(state="expired").silences] == [made.id]
        with pytest.raises(ApiError) as refused:
            api.add_silence(SilenceRequest(matchers=['service=~".*"'], created_by="ana", comment="x", duration="1h"))
        assert refused.value.status == 400 and "would silence everything" in refused.value.message
        with pytest.raises(ApiError) as missing:
            api.silence("nope")
        assert missing.value.status == 404


def test_a_bad_edit_keeps_the_last_good_rules_and_says_so(alerting):
    service, _, rules = alerting
    rules.write_text(ALWAYS.replace("params: {above: 1000}", "params: {above: lots}"))
    with ApiClient(service.api) as api:
        status = eventually(lambda: api.rules().error or None, timeout=30, what="the reload error")
        assert f"{rules}:9: rule quiet: detector level: above:" in status
        assert [r.name for r in api.rules().rules] == ["chat-busy", "quiet"]
    ready = httpx.get(f"{service.api}/readyz").json()["alert_rules"]
    assert f"{rules}:9:" in ready["error"]


def test_a_bad_rule_file_stops_the_start_with_its_line(backend, chdb_dir, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    detector: level\n    for: soon\n")
    settings = make_settings(backend, chdb_dir, alerts={"shipped_rules": False, "rule_files": [str(rules)]})
    service = Service(settings, detectors={"level": LevelDetector()})
    with pytest.raises(ConfigError, match=f"{rules}:4: rule x: for: 'soon' is not a duration"):
        asyncio.run(service.start())


def test_backtest_over_the_services_history_through_the_api_and_the_cli(alerting, tmp_path):
    service, _, _ = alerting
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
    for minute in range(10, 20):
        insert_call(service.store, f"s{minute}", start, at=start + timedelta(minutes=minute))
    since, until = start.isoformat(), (start + timedelta(minutes=30)).isoformat()
    with ApiClient(service.api) as api:
        result = api.backtest(BacktestRequest(text=BURST, file="burst.yaml", since=since, until=until, step="1m"))
        [rule] = result.rules
        assert (rule.rule, rule.evaluations, rule.fired, rule.firing_seconds) == ("burst", 31, 1, 480)
        with pytest.raises(ApiError) as refused:
            api.backtest(BacktestRequest(text="rules:\n  - name: b\n    sql: SELECT 1\n", file="b.yaml"))
        assert refused.value.status == 400 and refused.value.message.startswith("b.yaml:3: rule b: sql:")
    path = tmp_path / "burst.yaml"
    path.write_text(BURST)
    out = spyglass("rules", "backtest", str(path), "--since", since, "--until", until, "--api-url", service.api)
    assert out.returncode == 0, out.stderr
    assert "rule burst: 31 evaluations, fired 1 time(s), firing 8m, 1 instance(s)" in out.stdout
    assert "{service=svc}: fired 1, firing 8m, max value 3.0" in out.stdout


def test_the_silence_verbs_against_the_service(alerting):
    service, _, _ = alerting
    api = ("--api-url", service.api)
    added = spyglass("silence", "add", 'alertname="chat-busy"', "--comment", "maintenance", "--author", "ana",
                     "--duration", "30m", *api)
    assert added.returncode == 0, added.stderr
    silence_id = added.stdout.strip()
    listed = spyglass("silence", "list", *api)
    assert silence_id in listed.stdout and 'alertname="chat-busy"' in listed.stdout and "by ana: maintenance" in \
        listed.stdout
    assert spyglass("silence", "expire", silence_id, *api).stdout.strip() == f"expired {silence_id}"
    assert silence_id not in spyglass("silence", "list", *api).stdout
    again = spyglass("silence", "expire", silence_id, *api)
    assert again.returncode == 2 and again.stderr.strip() == \
        f"spyglass: silence expire {silence_id} failed (400): silence {silence_id} has already expired"
    bad = spyglass("silence", "add", "service", "--comment", "x", *api)
    assert bad.returncode == 2 and "is not a matcher" in bad.stderr and "Traceback" not in bad.stderr


def test_rules_check_reports_each_problem_with_its_line_offline(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("rules:\n  - name: busy\n    sql: SELECT service_name AS service, toFloat64(count()) AS value "
                    "FROM llm_calls GROUP BY service_name\n")
    bad.write_text("rules:\n  - name: nothing\n    sql: SELECT 1\n  - name: late\n    sql: SELECT 1 AS value\n"
                   "    keep_firing_for: a while\n")
    env = {**os.environ, "SPYGLASS_CONFIG": str(tmp_path / "none.yaml")}
    ok = spyglass("rules", "check", str(good), cwd=tmp_path, env=env, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip() == "ok: 1 rules in 1 file(s)", ok.stderr
    started = time.monotonic()
    out = spyglass("rules", "check", str(good), str(bad), cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stdout.splitlines() == [
        f"{bad}:3: rule nothing: sql: the query returns no `value` column (it returns 1)",
        f"{bad}:6: rule late: keep_firing_for: 'a while' is not a duration such as 30s, 5m, 1h or 1h30m"]
    assert out.stderr.strip() == "spyglass: 2 problem(s) in 2 rule file(s)"
    assert time.monotonic() - started < 120


def test_rules_check_fails_on_a_runbook_reference_that_does_not_resolve(tmp_path):
    mine = tmp_path / "runbooks"
    mine.mkdir()
    shipped = (SHIPPED_DIR / "cost-spike.md").read_text()
    (mine / "chat-spend.md").write_text(shipped.replace("id: cost-spike", "id: chat-spend", 1))
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: a\n    sql: SELECT 1 AS value\n    runbook: chat-spend\n"
                     "  - name: b\n    sql: SELECT 1 AS value\n    runbook: chat-spnd\n"
                     "  - name: c\n    sql: SELECT 1 AS value\n    runbook: cost-spike@1.0.0\n")
    (tmp_path / "spyglass.yaml").write_text(f"runbooks:\n  dirs: [{mine}]\n")
    env = {**os.environ, "SPYGLASS_CONFIG": str(tmp_path / "spyglass.yaml")}
    out = spyglass("rules", "check", str(rules), cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    [problem] = out.stdout.splitlines()
    assert problem.startswith(f"{rules}:5: rule b: runbook: runbook 'chat-spnd' does not exist (runbooks: ")
    assert "chat-spend" in problem and "cost-spike" in problem
