"""A process that queues notifications in an outbox of its own store and delivers them until it is killed:
the "before" half of a crash test (`python -m tests.helpers.outbox_process DATA_DIR URL GROUP...`)."""

from __future__ import annotations

import sys
import time

from alerts.notifiers.webhook import WebhookConfig
from alerts.outbox import Outbox
from alerts.retry import DeliveryPolicy
from spyglass.schema import migrate
from store import open_store
from tests.helpers.notifications import notification


def main(data_dir: str, url: str, *groups: str) -> None:
    store = open_store(data_dir, None, "spyglass")
    migrate(store)
    outbox = Outbox(store, [WebhookConfig(name="ops", type="webhook", url=url)],
                    DeliveryPolicy(timeout_seconds=60, poll_seconds=0.2))
    outbox.start()
    for notification_id in outbox.enqueue([notification("ops", group=group) for group in groups]):
        print(notification_id, flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
