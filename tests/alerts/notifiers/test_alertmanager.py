"""The alertmanager receiver against Debian's real Alertmanager (`prometheus-alertmanager`, installed by `make
test`), started on 127.0.0.1 with a config whose only receiver is a local webhook: Alertmanager accepts what we
post, shows it in its API, routes it on, and resolves it when we say so."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from alerts.notifiers import build
from alerts.notifiers.alertmanager import AlertmanagerConfig
from tests.helpers.notifications import alert, notification
from tests.helpers.receivers import Endpoint, endpoint
from tests.helpers.service_process import free_port
from tests.helpers.wait import eventually

BINARY = "/usr/bin/prometheus-alertmanager"


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[tuple[str, Endpoint]]:
    """A real Alertmanager on a free port, routing everything to a local webhook after one second."""
    binary = shutil.which("prometheus-alertmanager") or BINARY
    if not Path(binary).exists():
        pytest.fail(f"{BINARY} is missing: `make test` installs Debian's prometheus-alertmanager")
    with endpoint() as hook:
        (tmp_path / "alertmanager.yml").write_text(f"""
route: {{receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}}
receivers:
  - name: hook
    webhook_configs: [{{url: "{hook.url}/am", send_resolved: true}}]
""")
        port = free_port()
        process = subprocess.Popen(
            [binary, f"--config.file={tmp_path / 'alertmanager.yml'}", f"--storage.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "alertmanager.log").open("w"))
        url = f"http://127.0.0.1:{port}"
        try:
            eventually(lambda: _ready(url, process), timeout=30, what="Alertmanager ready")
            yield url, hook
        finally:
            process.terminate()
            process.wait(10)


def _ready(url: str, process: subprocess.Popen) -> bool:
    assert process.poll() is None, "Alertmanager exited at start"
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _now_notification(status: str, sequence: int):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    started = now - timedelta(minutes=5)
    alerts = tuple(dataclasses.replace(alert(name, status), starts_at=started,
                                       ends_at=now if status == "resolved" else None) for name in ("a", "b"))
    return dataclasses.replace(notification("am", status=status, sequence=sequence, alerts=alerts), created_at=now)


def test_alerts_posted_to_alertmanager_are_active_routed_then_resolved(alertmanager):
    url, hook = alertmanager
    notifier = build(AlertmanagerConfig(name="am", type="alertmanager", url=url), 5, 1)
    firing = _now_notification("firing", 1)
    assert notifier.send(firing).outcome == "delivered"
    assert notifier.send(firing).outcome == "delivered"  # a retry changes nothing: same labels, same alert

    active = httpx.get(f"{url}/api/v2/alerts", params={"active": "true"}).json()
    assert sorted(a["labels"]["instance"] for a in active) == ["a", "b"]
    first = next(a for a in active if a["labels"]["instance"] == "a")
    assert first["status"]["state"] == "active" and first["annotations"] == firing.alerts[0].annotations
    assert first["generatorURL"] == firing.alerts[0].generator_url
    assert datetime.fromisoformat(first["endsAt"]) >= firing.created_at + timedelta(hours=23)
    routed = eventually(lambda: [b for b in hook.bodies() if b["status"] == "firing"], what="Alertmanager's webhook")
    assert {a["labels"]["instance"] for a in routed[0]["alerts"]} == {"a", "b"}

    assert notifier.send(_now_notification("resolved", 2)).outcome == "delivered"
    eventually(lambda: not httpx.get(f"{url}/api/v2/alerts", params={"active": "true"}).json(),
               what="no active alert left")
    eventually(lambda: [b for b in hook.bodies() if b["status"] == "resolved"], what="the resolved notification")
    notifier.close()


def test_alertmanager_refusing_an_alert_is_permanent(alertmanager):
    url, _ = alertmanager
    notifier = build(AlertmanagerConfig(name="am", type="alertmanager", url=url), 5, 1)
    nameless = dataclasses.replace(_now_notification("firing", 1), alerts=(dataclasses.replace(
        alert("a"), labels={}, starts_at=datetime.now(timezone.utc)),))
    delivery = notifier.send(nameless)
    notifier.close()
    assert delivery.outcome == "failed" and delivery.detail.startswith("HTTP 400")
