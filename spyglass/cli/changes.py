"""`spyglass changes record|list`: report a change from a CI/CD pipeline, and list the changes of the fleet, through
the running service's REST API.

    spyglass changes record --service chat-api --kind deploy --to 1.5.0 [--from 1.4.0] [--project default]
        [--model M] [--subject S] [--at 2026-11-21T05:00:00Z] [--author ci] [--description D] [--link URL]
        [--id RUN-ID] [--format table|json]
    spyglass changes list [--since 7d] [--until now] [--project P] [--service S] [--kind deploy] [--source detected]
        [--model M] [--limit 500] [--format table|json]

`record` changes state: when the service has keys it needs an admin key (--admin-key, SPYGLASS_ADMIN_KEY). Give
`--id` (the pipeline's run id) and a retried step records nothing new. Exit 0 when recorded, 2 with one line on
stderr when the input is bad or the service cannot be reached.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable

from pydantic import ValidationError

from client.models.changes import KINDS, Change, ReportChange
from spyglass.cli.remote import add_api_arguments, call, user_name
from store.errors import SpyglassError

FORMATS = ("table", "json")
# record's options: (flag, ReportChange field, help); --service, --kind and --to are required.
_REPORT = (("--service", "service", "the service that changed (required)"),
           ("--kind", "kind", f"one of {', '.join(KINDS)} (required)"),
           ("--to", "to", "the new value: a version, a prompt version, a model, ... (required)"),
           ("--from", "from", "the value it replaced"),
           ("--project", "project", "the service's project (default: default)"),
           ("--model", "model", "the model the change is about (a model change: the new model)"),
           ("--subject", "subject", "what the value is of: a prompt's name, a flag's name"),
           ("--at", "at", "when: RFC 3339 or a look-back such as 5m (default: now)"),
           ("--description", "description", "what changed, in a sentence"),
           ("--link", "link", "a link: the pull request, the pipeline run"),
           ("--id", "id", "an id of yours (the pipeline's run id): recording it again records nothing new"))


def add_parser(verbs: argparse._SubParsersAction) -> None:
    changes = verbs.add_parser("changes", help="record a change (a deploy from CI/CD), list the fleet's changes")
    sub = changes.add_subparsers(dest="changes_verb", required=True, metavar="VERB")
    recording = sub.add_parser("record", help="record a change: a deploy, a prompt, a model, a flag ...")
    for flag, field, help_text in _REPORT:
        recording.add_argument(flag, dest=f"report_{field}", help=help_text)
    recording.add_argument("--author", default=user_name(), help="who (default: your user name)")
    listing = sub.add_parser("list", help="changes newest first")
    listing.add_argument("--since", help="RFC 3339 or a look-back such as 7d (default: 30d)")
    listing.add_argument("--until", help="RFC 3339 or now (default: now)")
    for name in ("project", "service", "kind", "source", "model"):
        listing.add_argument(f"--{name}", help=f"only changes of this {name}")
    listing.add_argument("--limit", type=int, default=500, help="at most this many (default: 500)")
    for parser in (recording, listing):
        parser.add_argument("--format", default="table", help="table or json (default: table)")
    add_api_arguments(recording, admin=True)
    add_api_arguments(listing)


def run(args: argparse.Namespace) -> int:
    if args.format not in FORMATS:
        raise SpyglassError(f"--format: {args.format!r} is not table or json")
    if args.changes_verb == "record":
        body = report(args)
        found = [call(args, "changes record", lambda api: api.report_change(body))]
    else:
        filters = {name: getattr(args, name) for name in ("project", "service", "kind", "source", "model")}
        found = call(args, "changes list", lambda api: api.changes(args.since, args.until, args.limit,
                                                                  **filters)).changes
    if args.format == "json":
        print(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
    else:
        print("\n".join(table(found)) if found else "no changes")
    return 0


def report(args: argparse.Namespace) -> ReportChange:
    """The body `record` sends; a missing or bad option is one line naming it."""
    given = {field: getattr(args, f"report_{field}") for _, field, _ in _REPORT}
    missing = [flag for flag, field, _ in _REPORT[:3] if not given[field]]
    if missing:
        raise SpyglassError(f"changes record: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required")
    try:
        return ReportChange.model_validate({**{k: v for k, v in given.items() if v is not None},
                                            "author": args.author})
    except ValidationError as exc:
        flags = {field: flag for flag, field, _ in _REPORT}
        problems = "; ".join(f"{flags.get(str(e['loc'][0]), e['loc'][0])}: {e['msg']}" for e in exc.errors())
        raise SpyglassError(f"changes record: {problems}") from None


def _what(c: Change) -> str:
    if not c.dimension:
        return c.kind + (f" {c.subject}" if c.subject else "")
    return c.dimension + (f" of {c.subject}" if c.subject else "")


def table(changes: Iterable[Change]) -> list[str]:
    rows = [("AT (UTC)", "KIND", "SOURCE", "PROJECT", "SERVICE", "WHAT", "CHANGE", "ID")]
    rows += [(c.at[:19].replace("T", " "), c.kind, c.source, c.project or "-", c.service or "-", _what(c),
              f"{c.from_value or '(none)'} -> {c.to_value}", c.id) for c in changes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows]
