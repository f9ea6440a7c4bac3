"""`spyglass incidents list|show|open|ack|mitigate|resolve|close|reopen|note`: incidents on the running service,
through its REST API.

    spyglass incidents list [--status triggered --status acknowledged] [--severity SEV1] [--service chat] [--since 7d]
    spyglass incidents show INC-3
    spyglass incidents open "Checkout answers fail" --severity SEV1 [--service chat] [--runbook slo-burn]
    spyglass incidents ack INC-3 [--by ana] [--note "looking at the provider"]
    spyglass incidents note INC-3 "rolled back the prompt"
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from client.models.incidents import Impact, IncidentDetail, IncidentSummary, OpenIncident, WindowNumbers
from spyglass.cli.remote import add_api_arguments, call, user_name

MOVES = {"ack": "acknowledge: you own it", "mitigate": "the impact has stopped",
         "resolve": "the problem is fixed", "close": "done: the numbers are final",
         "reopen": "a resolved incident came back"}


def add_parser(verbs: argparse._SubParsersAction) -> None:
    incidents = verbs.add_parser("incidents", help="list, show, open, move and annotate incidents")
    sub = incidents.add_subparsers(dest="incidents_verb", required=True, metavar="VERB")
    listing = sub.add_parser("list", help="incidents, newest first")
    listing.add_argument("--status", action="append", default=[], help="triggered, acknowledged, ... (repeatable)")
    listing.add_argument("--severity", action="append", default=[], help="SEV1 .. SEV4 (repeatable)")
    listing.add_argument("--service")
    listing.add_argument("--since", help="detected since: RFC 3339 or a look-back such as 7d")
    show = sub.add_parser("show", help="one incident: alerts, runbook steps, impact, timeline")
    show.add_argument("id", help="INC-<n>")
    opening = sub.add_parser("open", help="open an incident by hand")
    opening.add_argument("title")
    opening.add_argument("--severity", required=True, choices=("SEV1", "SEV2", "SEV3", "SEV4"))
    opening.add_argument("--service", default="")
    opening.add_argument("--commander", default="")
    opening.add_argument("--runbook", help="runbook id or id@version to pin")
    opening.add_argument("--started", help="when it started: RFC 3339 or a look-back such as 30m (default: now)")
    writers = [opening]
    for action, help_text in MOVES.items():
        move = sub.add_parser(action, help=help_text)
        move.add_argument("id", help="INC-<n>")
        move.add_argument("--note", default="", help="a note on the timeline with the move")
        writers.append(move)
    note = sub.add_parser("note", help="add a note to the timeline")
    note.add_argument("id", help="INC-<n>")
    note.add_argument("text")
    writers.append(note)
    for parser in writers:
        parser.add_argument("--by", default=user_name(), help="who (default: your user name)")
    for parser in (listing, show):
        add_api_arguments(parser)
    for parser in writers:
        add_api_arguments(parser, admin=True)


def run(args: argparse.Namespace) -> int:
    verb = args.incidents_verb
    if verb == "list":
        found = call(args, "incidents list", lambda api: api.incidents(
            tuple(args.status), tuple(args.severity), args.service, args.since)).incidents
        print("\n".join(table(found)) if found else "no incidents")
    elif verb == "show":
        print("\n".join(details(call(args, f"incidents show {args.id}", lambda api: api.incident(args.id)))))
    elif verb == "open":
        body = OpenIncident(title=args.title, severity=args.severity, by=args.by, service=args.service,
                            commander=args.commander, runbook=args.runbook, started_at=args.started)
        made = call(args, "incidents open", lambda api: api.open_incident(body))
        pinned = f", runbook {made.runbook.id}@{made.runbook.version}" if made.runbook else ""
        print(f"{made.id} opened ({made.severity}{pinned})")
    elif verb == "note":
        call(args, f"incidents note {args.id}", lambda api: api.note_incident(args.id, args.by, args.text))
        print(f"noted on {args.id.upper()}")
    else:
        moved = call(args, f"incidents {verb} {args.id}",
                     lambda api: api.transition_incident(args.id, verb, args.by, args.note))
        print(f"{moved.id} {moved.status}")
    return 0


def _when(stamp: str | None) -> str:
    """RFC 3339 as UTC wall-clock time to the second, '-' when there is none."""
    return stamp[:19].replace("T", " ") if stamp else "-"


def table(incidents: Iterable[IncidentSummary]) -> list[str]:
    rows = [("ID", "SEV", "STATUS", "SERVICE", "DETECTED (UTC)", "TITLE")]
    rows += [(i.id, i.severity, i.status, i.service or "-", _when(i.detected_at), i.title) for i in incidents]
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r[:5], widths, strict=True)) + "  " + r[5] for r in rows]


def details(i: IncidentDetail) -> list[str]:
    lines = [f"{i.id}  {i.severity}  {i.status}  {i.title}",
             f"service {i.service or '-'}  commander {i.commander or '-'}  opened by {i.opened_by} ({i.source})"]
    if i.runbook:
        lines.append(f"runbook {i.runbook.id}@{i.runbook.version} (sha256 {i.runbook.content_sha256[:12]})")
    lines.append("  ".join(f"{name} {_when(value)}" for name, value in (
        ("started", i.started_at), ("detected", i.detected_at), ("acknowledged", i.acknowledged_at),
        ("mitigated", i.mitigated_at), ("resolved", i.resolved_at), ("closed", i.closed_at))))
    lines.append(f"next: {', '.join(i.allowed_actions) or 'nothing (closed)'}")
    if i.alerts:
        lines += ["", "Alerts"] + [f"  {a.rule} {_labels(a.labels)}  fired {_when(a.fired_at)}  resolved "
                                   f"{_when(a.resolved_at)}" for a in i.alerts]
    if i.steps:
        lines += ["", "Runbook steps"] + [f"  [{'x' if s.checked else ' '}] {s.number}. {s.text.splitlines()[0]}"
                                          for s in i.steps]
    if i.impact:
        lines += ["", *_impact(i.impact)]
    lines += ["", "Timeline (UTC)"] + [f"  {_when(e.at)}  {e.actor:12} {e.text}" for e in i.timeline]
    return lines


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in ("alertname", "severity"))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _impact(x: Impact) -> list[str]:
    def row(name: str, w: WindowNumbers) -> str:
        p95 = "-" if w.p95_latency_ms is None else f"{w.p95_latency_ms:.0f} ms"
        return (f"  {name:13} {w.requests:>8} {w.errors:>7} {_percent(w.error_rate):>8} {p95:>10} "
                f"{'$' + str(w.cost_usd):>12} {_percent(w.pass_rate):>10}")

    budget = (f"{_percent(x.error_budget.burned)} of the {x.error_budget.period_days:g}-day budget "
              f"({x.error_budget.rule}, objective {x.error_budget.objective:g})" if x.error_budget
              else x.error_budget_note)
    final = " (final)" if x.final else ""
    return [f"Impact {_when(x.since)} .. {_when(x.until)}{final}",
            f"  {'':13} {'requests':>8} {'errors':>7} {'rate':>8} {'p95':>10} {'cost':>12} {'pass rate':>10}",
            row("incident", x.current), row("week before", x.baseline),
            f"  extra cost ${x.extra_cost_usd}; error budget burned: {budget}"]
