"""`spyglass notifications list|replay`: the outbox's notifications on the running service, through its REST API.

    spyglass notifications list [--state dead] [--receiver ops] [--since 7d] [--limit 100]
    spyglass notifications replay ID [ID...]

A replay sends a dead (or delivered) notification again under the same id; it changes state, so when the
service has keys it needs an admin key (--admin-key, SPYGLASS_ADMIN_KEY).
"""

from __future__ import annotations

import argparse
from functools import partial

from client.api import ApiClient
from client.models.notifications import NotificationInfo
from spyglass.cli.remote import add_api_arguments, call

STATES = ("pending", "delivered", "dead")


def add_parser(verbs: argparse._SubParsersAction) -> None:
    notifications = verbs.add_parser("notifications", help="list the outbox's notifications, replay dead ones")
    sub = notifications.add_subparsers(dest="notifications_verb", required=True, metavar="VERB")
    listing = sub.add_parser("list", help="notifications newest first, with their attempts and last error")
    listing.add_argument("--state", choices=STATES, help="only those in this state (dead: the dead letters)")
    listing.add_argument("--receiver", help="only those for this receiver")
    listing.add_argument("--since", help="created since: RFC 3339 or a look-back such as 7d (default: any time)")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default: 100)")
    add_api_arguments(listing)
    replay = sub.add_parser("replay", help="send dead or delivered notifications again, under the same id")
    replay.add_argument("ids", nargs="+", help="notification ids")
    add_api_arguments(replay, admin=True)


def run(args: argparse.Namespace) -> int:
    if args.notifications_verb == "list":
        found = call(args, "notifications list", lambda api: api.notifications(
            state=args.state, receiver=args.receiver, since=args.since, limit=args.limit)).notifications
        for n in found:
            print(_line(n))
        if not found:
            print("no notifications")
    else:
        for notification_id in args.ids:
            again = call(args, f"notifications replay {notification_id}",
                         partial(ApiClient.replay_notification, notification_id=notification_id))
            print(f"replayed {again.id} to {again.receiver}: pending, sent at the outbox's next poll")
    return 0


def _line(n: NotificationInfo) -> str:
    group = ",".join(f"{k}={v}" for k, v in n.group_labels.items()) or n.group_key
    line = (f"{n.id}  {n.state:9} {n.receiver}  {n.status} #{n.sequence}  {{{group}}}  {n.alerts} alert(s)  "
            f"attempts {n.attempts}  created {n.created_at}")
    if n.delivered_at:
        line += f"  delivered {n.delivered_at}"
    elif n.state == "pending":
        line += f"  next {n.next_attempt_at}"
    return line + (f"  last error: {n.last_error}" if n.last_error else "")
