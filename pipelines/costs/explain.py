"""Why a price applies: the text behind `spyglass prices explain`.

A wrong price is usually "the right entry lost to another one" or "the entry was not in
effect yet". So we list every entry whose name or regex matches the model, and for each
say whether it applies, or the one reason it does not. Pure: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipelines.costs.catalog import Catalog, PriceEntry
from pipelines.costs.pricing import in_scope, match, match_kind


@dataclass(frozen=True)
class Candidate:
    """One entry that names the model, and its verdict for this call."""

    entry: PriceEntry
    applies: bool
    why: str


def explain(
    catalog: Catalog, provider: str, model: str, at: datetime, project: str = "", team: str = ""
) -> list[Candidate]:
    """Every entry of `provider` that matches `model` by name or regex, winner first."""
    winner = match(catalog, provider, model, at, project, team)
    out: list[Candidate] = []
    for e in catalog.entries:
        kind = None if e.provider != provider else match_kind(e, model)
        if kind is None:
            continue
        if winner is not None and e.id == winner.entry.id:
            out.insert(0, Candidate(e, True, winner.reason))
        elif not e.effective_at(at):
            until = e.effective_to.isoformat() if e.effective_to else "open"
            out.append(Candidate(e, False, f"not effective at {at.isoformat()} "
                                           f"({e.effective_from.isoformat()} .. {until})"))
        elif not in_scope(e, project, team):
            scope = e.scope.model_dump(exclude_none=True)
            out.append(Candidate(e, False, f"scope {scope} does not match project={project!r} team={team!r}"))
        else:
            assert winner is not None  # an effective, in-scope match exists, so match() found one
            out.append(Candidate(e, False, f"outranked by {winner.entry.id} (see precedence in pricing.py)"))
    return out
