"""End to end, the rollback signal: a release sent with the real OpenTelemetry SDK is detected as a change, the
canary job judges it against the version still serving (30 % slower at p95, 20 % costlier: `fail`), and the
`change_regression` rule notifies a real webhook exactly once while the verdict stays `fail`.

The jobs that turn calls into a verdict (costs, changes, canary) are run by the test at chosen moments, so that the
verdict exists only once every call is priced (a verdict on half-priced traffic would be `insufficient_data` and
resolve the alert); the service's alert engine evaluates on its own schedule, as in production.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.outbox import list_notifications
from client.api import ApiClient
from pipelines.costs.job import run_cost_job
from releases.canary_job import run_canary_job
from releases.changes_job import ChangesConfig, run_changes_job
from store.base import query_rows
from tests.helpers.cost_spike import alert_runs
from tests.helpers.receivers import endpoint
from tests.helpers.release_traffic import CATALOG, latencies_ms, send_version, tokens
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")

N = 400
RULES = """rules:
  - name: change-regression
    detector: change_regression
    params: {where: {kind: [deploy]}}
    severity: warning
    annotations:
      summary: "{{ $labels.kind }} of {{ $labels.service }} to {{ $labels.version }} made things worse"
"""


def test_a_bad_release_raises_the_rollback_signal_once(service_factory, tmp_path):
    catalog, rules = tmp_path / "prices.yaml", tmp_path / "rules.yaml"
    catalog.write_text(CATALOG)
    rules.write_text(RULES)
    hour = 3600
    with endpoint() as webhook:
        running = service_factory(
            costs={"catalog_files": [str(catalog)], "interval_seconds": hour},
            releases={"detect_interval_seconds": hour, "canary_interval_seconds": hour},
            alerts={"shipped_rules": False, "rule_files": [str(rules)], "evaluation_interval_seconds": 0.5,
                    "receivers": [{"name": "deploys", "type": "webhook", "url": webhook.url}],
                    "route": {"receiver": "deploys", "group_by": ["alertname", "change"], "group_wait": "0s",
                              "group_interval": "1s", "repeat_interval": "4h"}})
        now = datetime.now(timezone.utc)
        input_tokens, output_tokens = tokens(N, seed=7)
        send_version(running, "chat-api", "1.0.0", "model-a", latencies_ms(N, seed=7), input_tokens, output_tokens,
                     start=now - timedelta(minutes=50))
        send_version(running, "chat-api", "1.1.0", "model-b", latencies_ms(N, seed=7, tail=1.3), input_tokens,
                     output_tokens, start=now - timedelta(minutes=40))
        eventually(lambda: running.count("llm_calls") >= 2 * N, what="every call stored")
        store, now = running.store, datetime.now(timezone.utc)
        run_cost_job(store, running.service.catalog_source.current(), now, safety_delay=timedelta(0))
        run_changes_job(store, running.service.catalog_source.current(), now, ChangesConfig(delay=timedelta(0)))
        [deploy] = query_rows(store, "SELECT id, from_value FROM changes FINAL WHERE kind = 'deploy' "
                                     "AND to_value = '1.1.0'")
        assert deploy["from_value"] == "1.0.0"

        assert run_canary_job(store, now) >= 1
        [verdict] = query_rows(store, "SELECT mode, verdict, worse FROM change_verdicts WHERE change_id = {id:String}",
                               {"id": deploy["id"]})
        assert (verdict["mode"], verdict["verdict"]) == ("canary", "fail")
        assert set(verdict["worse"]) == {"latency_p95", "cost_per_request"}

        [first] = eventually(webhook.requests.copy, timeout=30, what="the rollback notification")
        for minutes in (1, 2, 3):  # the canary job keeps judging: the same `fail`, no new notification
            run_canary_job(store, now + timedelta(minutes=minutes))
            target = alert_runs(running) + 3
            eventually(lambda target=target: alert_runs(running) >= target, timeout=30, what="three more evaluations")
        assert len(webhook.requests) == 1, "the rollback signal was sent more than once"

        with ApiClient(running.api) as api:  # what a Releases page reads: the change, its verdicts, their tables
            change, history = api.change(deploy["id"]), api.change_verdicts(deploy["id"])

    [alert] = first.json()["alerts"]
    assert alert["labels"]["change"] == deploy["id"] and alert["labels"]["version"] == "1.1.0"
    assert alert["annotations"]["summary"] == "deploy of chat-api to 1.1.0 made things worse"
    assert [n["status"] for n in list_notifications(store)] == ["firing"]
    assert change.verdict is not None and change.verdict.verdict == "fail"
    assert [run.verdict for run in history.verdicts] == ["fail"] * 4 and history.change.id == deploy["id"]
    newest = history.verdicts[0]
    assert newest.run_at == change.verdict.run_at and newest.comparison.verdict == "fail"
    p95 = next(m for m in newest.comparison.metrics if m.name == "latency_p95")
    assert p95.outcome == "worse" and p95.ci_low is not None and float(p95.ci_low) > 0
