"""Delivery as part of the service's scheduler role: the worker starts with the lease, readiness reports the
outbox, and after a crash (SIGKILL) in the middle of a delivery `spyglass up` resumes it, so the receiver sees
that one notification twice under one webhook-id and every other exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from store.queries import notifications as rows
from tests.helpers.notifications import notification
from tests.helpers.receivers import Answer, endpoint
from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

ROOT = Path(__file__).resolve().parents[2]


def test_the_scheduler_delivers_and_readiness_reports_the_outbox(service_factory):
    with endpoint([Answer(503, "warming up")], default=Answer(200)) as receiver:
        running = service_factory(alerts={"receivers": [{"name": "ops", "type": "webhook", "url": receiver.url}],
                                          "delivery_backoff_base_seconds": 0.05})
        outbox = running.service.outbox
        assert outbox is not None
        [notification_id] = outbox.enqueue([notification("ops")])
        eventually(lambda: (row := rows.get(running.store, notification_id)) and row.state == "delivered",
                   what="delivered")
        ready = httpx.get(f"{running.api}/readyz").json()
    ops = ready["outbox"]["receivers"]["ops"]
    assert (ops["type"], ops["pending"], ops["dead"], ops["delivered"], ops["retries"]) == ("webhook", 0, 0, 1, 1)
    assert ops["last_error"] == "HTTP 503: warming up"
    assert receiver.ids() == [notification_id, notification_id]


def test_a_crash_in_the_middle_of_a_delivery_resends_only_that_one(tmp_path):
    hung = []

    def script(index, request):  # group "c" hangs on its first request; the process is killed meanwhile
        if "g-c" in request.json()["groupKey"] and not hung:
            hung.append(request.headers["webhook-id"])
            return Answer(hang=True)
        return Answer(200)

    data_dir = tmp_path / "data"
    with endpoint(script) as receiver:
        before = subprocess.Popen([sys.executable, "-m", "tests.helpers.outbox_process", str(data_dir), receiver.url,
                                   *(f"g-{name}" for name in "abcde")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            ids = [before.stdout.readline().strip() for _ in range(5)]
            eventually(lambda: len(receiver.requests) == 5, what="every notification sent once")
            time.sleep(1)  # the four answered deliveries are recorded (the recorder writes within milliseconds)
        finally:
            before.send_signal(signal.SIGKILL)
            before.wait(30)
            before.stdout.close()
        receivers = [{"name": "ops", "type": "webhook", "url": receiver.url}]
        service = ServiceProcess(data_dir, env={"SPYGLASS_ALERTS__RECEIVERS": json.dumps(receivers)}).start()
        try:
            eventually(lambda: len(receiver.requests) == 6, what="the interrupted delivery resumed")
            ready = eventually(lambda: (r := httpx.get(f"{service.api}/readyz").json())["outbox"]["receivers"]["ops"]
                               ["delivered"] == 1 and r, what="its outcome recorded")
            time.sleep(1)
        finally:
            assert service.stop() == 0
    assert Counter(receiver.ids()) == {**{i: 1 for i in ids if i != hung[0]}, hung[0]: 2}
    assert ready["outbox"]["receivers"]["ops"]["pending"] == 0
