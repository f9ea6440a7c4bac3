"""Outbox benchmark: notifications delivered per second to a local webhook, against the raw HTTP rate of the same
client as the ceiling.

    .venv/bin/python bench/outbox.py [--notifications 5000] [--workers 4] [--batch 500] [--dir DIR]

1. A webhook in a process of its own (uvicorn with a bare ASGI app that answers 200), so that it does not share
   this process's interpreter lock; a store on DIR (a temporary directory by default), migrated.
2. Ceiling, in the same run: the client the webhook receiver uses (`alerts.notifiers.http.client`, same pool
   size) POSTs the same webhook bodies from `--workers` threads as fast as it can: no store, no outbox.
3. The figure: the outbox with one webhook receiver and `--workers` workers. Notifications are enqueued in
   batches of `--batch` (each batch stored before it is queued), and the clock stops when every one is
   delivered and its outcome written. Target: >= 500 notifications/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from alerts.notifiers import http  # noqa: E402
from alerts.notifiers.render import webhook_body  # noqa: E402
from alerts.notifiers.webhook import WebhookConfig  # noqa: E402
from alerts.outbox import Outbox  # noqa: E402
from alerts.retry import DeliveryPolicy  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store, query_rows  # noqa: E402
from tests.helpers.notifications import notification  # noqa: E402
from tests.helpers.service_process import free_port  # noqa: E402


async def app(scope, receive, send):  # the webhook: read the body, answer 200
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def start_webhook() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "bench.outbox:app", "--host", "127.0.0.1", "--port",
                                str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT)
    url = f"http://127.0.0.1:{port}/hook"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.post(url, content=b"{}", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the webhook did not start")


def ceiling(url: str, count: int, workers: int) -> float:
    """Raw POSTs per second of the receiver's client from `workers` threads."""
    bodies = [json.dumps(webhook_body(notification("bench", group=f"g{i}"))).encode() for i in range(count)]
    client, taken, lock = http.client(10, workers), iter(range(count)), threading.Lock()

    def post_all() -> None:
        while True:
            with lock:
                index = next(taken, None)
            if index is None:
                return
            http.post_json(client, url, bodies[index], {"webhook-id": str(index), "webhook-timestamp": "0"})

    threads = [threading.Thread(target=post_all) for _ in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    client.close()
    return count / seconds


def outbox_rate(directory: str, url: str, count: int, workers: int, batch: int) -> tuple[float, float]:
    """(notifications delivered and recorded per second, notifications enqueued per second)."""
    store = open_store(directory, None, "bench_outbox")
    migrate(store)
    policy = DeliveryPolicy(workers_per_receiver=workers, max_queued_per_receiver=count)
    outbox = Outbox(store, [WebhookConfig.model_validate({"name": "bench", "type": "webhook", "url": url})], policy)
    outbox.start()
    notifications = [notification("bench", group=f"g{i}") for i in range(count)]
    started = time.monotonic()
    for first in range(0, count, batch):
        outbox.enqueue(notifications[first:first + batch])
    enqueued = time.monotonic() - started
    while not outbox.idle():
        time.sleep(0.005)
    seconds = time.monotonic() - started
    outbox.stop()
    delivered = query_rows(store, "SELECT count() AS n FROM notifications FINAL WHERE state = 'delivered'")[0]["n"]
    store.close()
    assert delivered == count, f"{delivered} of {count} recorded as delivered"
    return count / seconds, count / enqueued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    webhook, url = start_webhook()
    try:
        raw = ceiling(url, args.notifications, args.workers)
        with tempfile.TemporaryDirectory() as tmp:
            rate, enqueue = outbox_rate(args.dir or tmp, url, args.notifications, args.workers, args.batch)
    finally:
        webhook.terminate()
        webhook.wait(10)
    print(f"notifications: {args.notifications}, workers: {args.workers}, enqueue batches of {args.batch}")
    print(f"outbox, enqueued to delivered and recorded: {rate:,.0f} notifications/s (target >= 500)")
    print(f"outbox, enqueue alone (stored before queued):  {enqueue:,.0f} notifications/s")
    print(f"ceiling, raw POSTs of the same client:          {raw:,.0f} requests/s ({rate / raw:.0%} of it)")


if __name__ == "__main__":
    main()
