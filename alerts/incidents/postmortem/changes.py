"""The post-mortem's "Changes before the incident" section (pure): every change of the incident's service and models
in the 24 hours before it started (up to its opening), with its current verdict, the suspect first and named.

The changes are the timeline's `change` events (alerts/incidents/changes.py says which changes and why they are
read when the report is written), in the order they were read: failed first, then marginal, then newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alerts.incidents import changes as c
from alerts.incidents.model import Event, Incident
from alerts.incidents.postmortem import units as u
from alerts.incidents.postmortem.parts import Table

NONE_RECORDED = "No recorded changes in the 24 hours before the incident."
HEADER = ("Suspect", "At (UTC)", "Kind", "Scope", "From -> to", "Source", "Author", "Verdict", "Worse")


@dataclass(frozen=True)
class ChangesSection:
    intro: str  # which changes: the scope and the window
    suspect: str  # the suspect change in a sentence ('' when no change has a failing or marginal verdict)
    table: Table | None  # None: no change was recorded (the intro says so)


def changes_before(i: Incident, events: Sequence[Event]) -> ChangesSection:
    found = sorted((e for e in events if e.kind == "change"), key=lambda e: e.payload.get("position", 0))
    if not found:
        return ChangesSection(NONE_RECORDED, "", None)
    scope = c.affected(i, events)
    since, until = c.window(i.milestones)
    named = [f"service {scope.service}" if scope.service else "",
             f"model{'s' if len(scope.models) > 1 else ''} {', '.join(scope.models)}" if scope.models else ""]
    of = " and ".join(part for part in named if part) or "every service and model"
    intro = (f"Changes of {of} from {u.utc(since)} to {u.utc(until)} UTC (the 24 hours before the incident started, "
             f"to its opening), the suspect first: failed verdicts, then marginal ones, then the rest newest first.")
    rows = tuple(("suspect" if e.payload.get("suspect") else "", u.utc(e.at), str(e.payload.get("kind")),
                  c.scope_text(e.payload), c.from_to(e.payload), str(e.payload.get("source")),
                  str(e.payload.get("author") or "-"), c.verdict_text(e.payload), c.worse_text(e.payload))
                 for e in found)
    first = found[0]
    suspect = (f"Suspect: the {first.payload.get('kind')} change of {c.scope_text(first.payload)} at "
               f"{u.utc(first.at)} UTC ({c.from_to(first.payload)}): its latest analysis says "
               f"{c.verdict_text(first.payload)}; worse: {c.worse_text(first.payload)}."
               if first.payload.get("suspect") else "")
    return ChangesSection(intro, suspect, Table(HEADER, rows))
