"""`spyglass prices check` and `spyglass prices explain`: the price catalog, read from its files.

Both work offline on the shipped catalog plus the user files given (the same layering the
service uses), so a catalog change can be checked before a service loads it.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from pipelines.costs.catalog import SHIPPED_PATH, load_shipped
from pipelines.costs.catalog_check import check_file, validate
from pipelines.costs.explain import Explanation, PriceLine, explain
from spyglass.timerange import parse_time
from store.errors import BadInput


def add_parser(verbs: argparse._SubParsersAction) -> None:
    prices = verbs.add_parser("prices", help="check the price catalog, or explain which price applies")
    sub = prices.add_subparsers(dest="prices_verb", required=True, metavar="VERB")
    check = sub.add_parser("check", help="validate the shipped catalog and your override files")
    check.add_argument("files", nargs="*", help="user catalog files layered over the shipped one")
    why = sub.add_parser("explain", help="which entry prices a model at a time, and why the others do not")
    why.add_argument("--model", required=True)
    why.add_argument("--provider", required=True,
                     help="gen_ai.provider.name or any spelling the collector knows, e.g. openai, google, bedrock")
    why.add_argument("--at", default="now", help="RFC 3339 time (default: now)")
    why.add_argument("--project", default="")
    why.add_argument("--team", default="")
    why.add_argument("--scope", default="", help="instrumentation scope name of the spans (picks the accounting rule)")
    why.add_argument("--catalog", action="append", default=[], help="user catalog file (repeatable)")
    why.add_argument("--deployment", action="append", default=[], metavar="NAME=MODEL",
                     help="Azure deployment name and the model it serves, as in the `deployments` setting (repeatable)")


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


def _deployments(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, _, model = pair.partition("=")
        if not name or not model:
            raise BadInput(f"--deployment {pair!r}: expected NAME=MODEL")
        out[name] = model
    return out


def _money(value) -> str:
    return format(value.normalize(), "f")


def _price_line(line: PriceLine) -> str:
    level = "base" if line.applies_above is None else f"prompt > {line.applies_above:,} tokens"
    parts = [f"{kind} ${_money(line.per_million[kind])}/M (${_money(line.per_token[kind])}/token)"
             for kind in line.per_million]
    return f"  {level}: " + ", ".join(parts)


def _print(x: Explanation, model: str, at: datetime) -> None:
    also = f" (priced from {', '.join(x.priced_as[1:])} entries when it has none)" if len(x.priced_as) > 1 else ""
    known = "" if x.known_provider else " (not a provider Spyglass knows: calls are never stored under it)"
    print(f"provider {x.asked} means {x.provider}{also}{known}")
    print("looked up, in order: " + "; ".join(
        f"{c.provider}/{c.model}" + (f" ({c.how})" if c.how else "") for c in x.forms))
    if x.winner is None:
        print(f"no price entry applies to {x.provider}/{model} at {at.isoformat()}: calls to it are stored "
              f"unpriced with the reason: {x.unpriced}")
    for v in x.verdicts:
        print(f"{'APPLIES' if v.applies else 'skipped':8} {v.entry.id}: {v.why}")
    print(f"accounting rule {x.rule.label}")
    if x.winner is not None:
        print(f"prices of {x.winner.entry.id} ({x.winner.entry.currency}; unset cache prices are the input price, "
              "an unset reasoning price the output price):")
        for line in x.prices:
            print(_price_line(line))
        if x.winner.entry.request_fee:
            print(f"  request fee ${_money(x.winner.entry.request_fee)} per request")


def _explain(args: argparse.Namespace) -> int:
    at = parse_time(args.at, datetime.now(timezone.utc), "at")
    catalog = load_shipped(args.catalog, _deployments(args.deployment))
    x = explain(catalog, args.provider, args.model, at, args.project, args.team, args.scope)
    _print(x, args.model, at)
    print(f"catalog version {catalog.version}")
    return 0 if x.winner is not None else 1
