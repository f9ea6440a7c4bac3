"""`alerts.receivers` and the delivery settings as a user writes them: every type from spyglass.yaml, secrets
from `${SPYGLASS_...}` references, and every malformed receiver refused with one clear line that never quotes
a secret."""

from __future__ import annotations

import json
import os

import pytest

from spyglass.config import InvalidConfiguration, load

SLACK_URL = "https://hooks.slack.com/services/T0001/B0001/S3CR3TS3CR3TS3CR3T"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(autouse=True)
def _clean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.upper().startswith("SPYGLASS_")]:
        monkeypatch.delenv(name)


def _load(tmp_path, receivers_yaml: str, **settings):
    (tmp_path / "spyglass.yaml").write_text("alerts:\n  receivers:\n" + receivers_yaml)
    return load(**settings)


def test_every_type_from_yaml_with_secrets_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SPYGLASS_SLACK_URL", SLACK_URL)
    monkeypatch.setenv("SPYGLASS_PD_KEY", "R0UT1NGK3Y")
    settings = _load(tmp_path, f"""
    - {{name: hooks, type: webhook, url: "https://hooks.example.com/spyglass", secret: "{WHSEC}"}}
    - {{name: am, type: alertmanager, url: "http://alertmanager:9093"}}
    - {{name: chat, type: slack, url: "${{SPYGLASS_SLACK_URL}}", send_resolved: true}}
    - {{name: pager, type: pagerduty, routing_key: "${{SPYGLASS_PD_KEY}}"}}
    - {{name: mail, type: email, to: "oncall@example.com", from: "spyglass@example.com", smarthost: "smtp:587",
        username: spyglass, password: "${{SPYGLASS_SMTP_PASSWORD}}"}}
""".replace("${SPYGLASS_SMTP_PASSWORD}", "plain-password"))
    receivers = {r.name: r for r in settings.alerts.receivers}
    assert [r.type for r in receivers.values()] == ["webhook", "alertmanager", "slack", "pagerduty", "email"]
    assert receivers["chat"].url.get_secret_value() == SLACK_URL and receivers["chat"].send_resolved is True
    assert receivers["pager"].routing_key.get_secret_value() == "R0UT1NGK3Y"
    shown = json.dumps([r.public() for r in receivers.values()])
    for secret in (SLACK_URL, "R0UT1NGK3Y", WHSEC, "plain-password"):
        assert secret not in shown and secret not in repr(settings)
    assert receivers["mail"].public()["from"] == "spyglass@example.com"


def test_receivers_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("SPYGLASS_ALERTS__RECEIVERS", json.dumps([{"name": "ops", "type": "webhook",
                                                                  "url": "http://127.0.0.1:9/hook"}]))
    monkeypatch.setenv("SPYGLASS_ALERTS__DELIVERY_MAX_ATTEMPTS", "3")
    settings = load()
    assert settings.alerts.receivers[0].name == "ops" and settings.alerts.delivery_policy().max_attempts == 3


@pytest.mark.parametrize(("receiver", "expected"), [
    ("{name: x, type: teams, url: 'http://a'}", "alerts.receivers.0: type must be one of webhook, alertmanager, "
                                                "slack, pagerduty, email"),
    ("{name: x, url: 'http://a'}", "alerts.receivers.0: type must be one of"),
    ("{name: x, type: webhook}", "alerts.receivers.0.webhook.url: Field required"),
    ("{name: x, type: webhook, url: 'not a url'}", "alerts.receivers.0.webhook.url: Input should be a valid URL"),
    ("{name: x, type: webhook, url: 'http://a', secret: 'hunter2hunter2'}",
     "alerts.receivers.0.webhook: secret: a webhook secret is whsec_ followed by base64"),
    ("{name: x, type: webhook, url: 'http://a', retries: 3}", "alerts.receivers.0.webhook.retries: unknown key"),
    ("{name: '', type: webhook, url: 'http://a'}", "alerts.receivers.0.webhook.name: String should have at least 1"),
    ("{name: x, type: slack, url: 'hooks.slack.com/services/hunter2hunter2'}",
     "alerts.receivers.0.slack: url: the Slack webhook URL must start with https://"),
    ("{name: x, type: slack, url: '${SPYGLASS_UNSET_URL}'}",
     "alerts.receivers.0.slack.url: ${SPYGLASS_UNSET_URL}: the environment variable SPYGLASS_UNSET_URL is not set"),
    ("{name: x, type: slack, url: '${HOME}'}", "secrets come only from SPYGLASS_* environment variables"),
    ("{name: x, type: pagerduty}", "alerts.receivers.0.pagerduty.routing_key: Field required"),
    ("{name: x, type: pagerduty, routing_key: k, severity: page}", "alerts.receivers.0.pagerduty.severity: Input "
                                                                  "should be 'critical', 'error', 'warning' or 'info'"),
    ("{name: x, type: email, to: a@b.c, from: s@b.c, smarthost: smtp}", "alerts.receivers.0.email.smarthost: "
                                                                        "expected host:port"),
    ("{name: x, type: email, to: a@b.c, from: s@b.c, smarthost: 'smtp:25', password: hunter2hunter2}",
     "alerts.receivers.0.email: username and password go together"),
    ("{name: x, type: alertmanager, url: 'http://am:9093', firing_ttl_seconds: 0}",
     "alerts.receivers.0.alertmanager.firing_ttl_seconds: Input should be greater than 0"),
])
def test_a_malformed_receiver_is_one_clear_line(tmp_path, receiver, expected):
    with pytest.raises(InvalidConfiguration) as error:
        _load(tmp_path, f"    - {receiver}\n")
    [problem] = error.value.problems
    assert expected in problem and "\n" not in problem
    assert "hunter2" not in problem  # a malformed secret is never quoted back
    assert "spyglass.yaml" in problem  # and the line says where it came from


def test_two_receivers_with_one_name_are_refused(tmp_path):
    with pytest.raises(InvalidConfiguration, match="receiver name 'ops' is used twice"):
        _load(tmp_path, "    - {name: ops, type: webhook, url: 'http://a'}\n"
                        "    - {name: ops, type: slack, url: 'https://hooks.slack.com/x'}\n")


def test_a_backoff_cap_below_its_base_is_refused(tmp_path):
    (tmp_path / "spyglass.yaml").write_text("alerts:\n  delivery_backoff_base_seconds: 60\n"
                                            "  delivery_backoff_cap_seconds: 5\n")
    with pytest.raises(InvalidConfiguration, match="delivery_backoff_cap_seconds must be at least"):
        load()
