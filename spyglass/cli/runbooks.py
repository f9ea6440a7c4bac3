"""`spyglass runbooks check|list|show|diff`.

`check` works offline on the files: the shipped library plus your directories (by default those of
`runbooks.dirs`), with the messages the service gives at start, one `file:line:` line per problem.
Then, unless `--offline`, it asks the running service which versions it recorded, and refuses a file
whose version the service holds with other content (the service would refuse it too); a service that
cannot be reached is said, not counted as a problem. `list`, `show` and `diff` read the service's
library and recorded versions through the API.
"""

from __future__ import annotations

import argparse
import sys

from client.api import ApiClient, ApiError, ApiUnreachable
from runbooks.document import RunbookError
from runbooks.library import Library, load
from spyglass import config
from spyglass.cli.remote import add_api_arguments, call


def add_parser(verbs: argparse._SubParsersAction) -> None:
    runbooks = verbs.add_parser("runbooks", help="check runbook files, list the library, show a version, diff two")
    sub = runbooks.add_subparsers(dest="runbooks_verb", required=True, metavar="VERB")
    check = sub.add_parser("check", help="validate runbook directories (default: the shipped ones and runbooks.dirs)")
    check.add_argument("dirs", nargs="*", metavar="DIR", help="your runbook directories (default: runbooks.dirs)")
    check.add_argument("--config", help="settings file (default: ./spyglass.yaml when present)")
    check.add_argument("--offline", action="store_true",
                       help="do not compare versions with the ones the running service recorded")
    listing = sub.add_parser("list", help="the runbooks in force in the running service")
    show = sub.add_parser("show", help="a runbook's text exactly as recorded (default: the version in force)")
    show.add_argument("id")
    show.add_argument("--version", help="a recorded version, such as 1.2.0")
    diff = sub.add_parser("diff", help="a unified diff of two recorded versions of a runbook")
    diff.add_argument("id")
    diff.add_argument("--from", dest="old", help="default: the version before --to")
    diff.add_argument("--to", dest="new", help="default: the version in force")
    for parser in (check, listing, show, diff):
        add_api_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.runbooks_verb == "check":
        return _check(args)
    if args.runbooks_verb == "list":
        library = call(args, "listing runbooks", lambda api: api.runbooks())
        for r in library.runbooks:
            print(f"{r.id:20} {r.version:10} {r.severity:8} {r.source:7} {r.title}")
        if library.error:
            print(f"not loaded (the service keeps the runbooks above): {library.error}")
        return 0
    if args.runbooks_verb == "show":
        sys.stdout.write(call(args, "show", lambda api: api.runbook(args.id, args.version)).text)
        return 0
    sys.stdout.write(call(args, "diff", lambda api: api.runbook_diff(args.id, args.old, args.new)).diff)
    return 0


def _check(args: argparse.Namespace) -> int:
    dirs = args.dirs or config.load(args.config).runbooks.dirs
    try:
        library = load(dirs)
    except RunbookError as exc:
        problems = exc.problems
    else:
        overrides = "".join(f"; {rid} overrides the shipped one" for rid in library.overrides)
        print(f"{len(library.runbooks)} runbooks, library version {library.version}{overrides}")
        problems = [] if args.offline else _recorded_elsewhere(args, library)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


def _recorded_elsewhere(args: argparse.Namespace, library: Library) -> list[str]:
    """Runbook files whose version the running service recorded with other content."""
    problems = []
    try:
        with ApiClient(args.api_url, args.api_key) as api:
            for runbook in library.runbooks.values():
                try:
                    recorded = {v.version: v for v in api.runbook_versions(runbook.id).versions}
                except ApiError as exc:
                    if exc.status != 404:
                        raise
                    continue  # a runbook the service has never seen
                old = recorded.get(runbook.version)
                if old is not None and old.content_sha256 != runbook.sha256:
                    problems.append(f"{runbook.path}: runbook {runbook.id} version {runbook.version} is recorded by "
                                    f"the service at {args.api_url} with other content (first seen {old.first_seen} "
                                    f"from {old.path}): a version never changes; give the edited runbook a new "
                                    "version")
    except ApiUnreachable:
        print(f"note: no service at {args.api_url}: versions not compared with the recorded ones (--offline to "
              "skip)")
    except ApiError as exc:
        print(f"note: versions not compared: the service at {args.api_url} answered {exc.status}: {exc.message}")
    return problems
