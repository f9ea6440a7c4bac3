"""`spyglass prices check` and `spyglass prices explain`: the price catalog, read from its files.

Both work offline on the shipped catalog plus the user files given (the same layering the
service uses), so a catalog change can be checked before a service loads it.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from pipelines.costs.catalog import SHIPPED_PATH, load_shipped
from pipelines.costs.catalog_check import check_file, validate
from pipelines.costs.explain import explain
from spyglass.timerange import parse_time


def add_parser(verbs: argparse._SubParsersAction) -> None:
    prices = verbs.add_parser("prices", help="check the price catalog, or explain which price applies")
    sub = prices.add_subparsers(dest="prices_verb", required=True, metavar="VERB")
    check = sub.add_parser("check", help="validate the shipped catalog and your override files")
    check.add_argument("files", nargs="*", help="user catalog files layered over the shipped one")
    why = sub.add_parser("explain", help="which entry prices a model at a time, and why the others do not")
    why.add_argument("--model", required=True)
    why.add_argument("--provider", required=True, help="gen_ai.provider.name, e.g. openai, anthropic")
    why.add_argument("--at", default="now", help="RFC 3339 time (default: now)")
    why.add_argument("--project", default="")
    why.add_argument("--team", default="")
    why.add_argument("--catalog", action="append", default=[], help="user catalog file (repeatable)")


def run(args: argparse.Namespace) -> int:
    return _check(args.files) if args.prices_verb == "check" else _explain(args)


def _check(files: list[str]) -> int:
    problems = [*check_file(SHIPPED_PATH), *(issue for path in files for issue in check_file(path, "user"))]
    if not any(p.level == "error" for p in problems):  # each file is fine: check them together
        catalog = load_shipped(files)
        problems += [p for p in validate(catalog) if p not in problems]
        print(f"catalog version {catalog.version}: {len(catalog.entries)} entries")
    for problem in problems:
        print(problem)
    errors = sum(p.level == "error" for p in problems)
    print(f"{errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


def _explain(args: argparse.Namespace) -> int:
    at = parse_time(args.at, datetime.now(timezone.utc), "at")
    catalog = load_shipped(args.catalog)
    candidates = explain(catalog, args.provider, args.model, at, args.project, args.team)
    if not candidates or not candidates[0].applies:
        print(f"no price entry applies to {args.provider}/{args.model} at {at.isoformat()}: "
              "calls to it are stored unpriced")
    for candidate in candidates:
        mark = "APPLIES" if candidate.applies else "skipped"
        print(f"{mark:8} {candidate.entry.id}: {candidate.why}")
    print(f"catalog version {catalog.version}")
    return 0 if candidates and candidates[0].applies else 1
