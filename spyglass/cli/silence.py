"""`spyglass silence add|list|expire`: silences on the running service, through its REST API.

    spyglass silence add 'alertname="cost-spike"' 'service="chat"' --duration 2h --comment "deploying the fix"
    spyglass silence list [--all]
    spyglass silence expire ID

`add` and `expire` change state: when the service has keys they need an admin key (--admin-key,
SPYGLASS_ADMIN_KEY).
"""

from __future__ import annotations

import argparse
from functools import partial

from client.api import ApiClient
from client.models.alerts import SilenceInfo, SilenceRequest
from spyglass.cli.remote import add_api_arguments, call, user_name


def add_parser(verbs: argparse._SubParsersAction) -> None:
    silence = verbs.add_parser("silence", help="add, list or expire silences")
    sub = silence.add_subparsers(dest="silence_verb", required=True, metavar="VERB")
    add = sub.add_parser("add", help="mute the alerts matching every matcher, for a while")
    add.add_argument("matchers", nargs="+", help='label matchers: name="value", name!="v", name=~"re", name!~"re"')
    add.add_argument("--comment", required=True, help="why (shown with the silence)")
    add.add_argument("--author", default=user_name(), help="who (default: your user name)")
    add.add_argument("--duration", help="how long, such as 30m, 2h, 1d (default: 1h unless --end)")
    add.add_argument("--start", help="RFC 3339 time (default: now)")
    add.add_argument("--end", help="RFC 3339 time, instead of --duration")
    listing = sub.add_parser("list", help="the silences in force or waiting to start (--all: expired ones too)")
    listing.add_argument("--all", action="store_true", help="also the expired ones")
    expire = sub.add_parser("expire", help="end silences now")
    expire.add_argument("ids", nargs="+", help="silence ids")
    add_api_arguments(listing)
    for parser in (add, expire):
        add_api_arguments(parser, admin=True)


def run(args: argparse.Namespace) -> int:
    if args.silence_verb == "add":
        duration = args.duration or (None if args.end else "1h")
        request = SilenceRequest(matchers=args.matchers, created_by=args.author, comment=args.comment,
                                 starts_at=args.start, ends_at=args.end, duration=duration)
        made = call(args, "silence add", lambda api: api.add_silence(request))
        print(made.id)
    elif args.silence_verb == "list":
        found = call(args, "silence list", lambda api: api.silences()).silences
        shown = [s for s in found if args.all or s.state != "expired"]
        for s in shown:
            print(_line(s))
        if not shown:
            print("no silences" if args.all else "no silences in force or pending (--all shows expired ones)")
    else:
        for silence_id in args.ids:
            gone = call(args, f"silence expire {silence_id}", partial(ApiClient.expire_silence, silence_id=silence_id))
            print(f"expired {gone.id}")
    return 0


def _line(s: SilenceInfo) -> str:
    return (f"{s.id}  {s.state:8} {s.starts_at} .. {s.ends_at}  {' '.join(s.matchers)}  "
            f"by {s.created_by or '?'}: {s.comment}")
