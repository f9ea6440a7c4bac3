"""Why a price applies: the text behind `spyglass prices explain`.

A wrong price is usually "the right entry lost to another one", "the entry was not in effect
yet" or "the call's name is not the one the entry lists". So we say which canonical provider
the name given means, which (provider, model name) forms were looked up in which order
(pipelines/costs/model_names.py), list every entry whose name or regex matches one of them
with whether it applies or the one reason it does not, and print the per-token prices the
winner would apply, base and tiers. Pure: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pipelines.costs.catalog import Catalog, PriceEntry, RuleChoice
from pipelines.costs.model_names import Candidate, candidates, missing_entry, price_providers
from pipelines.costs.pricing import MILLION, Match, in_scope, match, match_kind, period, unit_prices
from store.providers import canonical, is_known

KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")


@dataclass(frozen=True)
class Verdict:
    """One entry that names a looked-up form, and its verdict for this call."""

    entry: PriceEntry
    form: Candidate
    applies: bool
    why: str


@dataclass(frozen=True)
class PriceLine:
    """The prices of one tier level: per million tokens as listed, and per token as applied."""

    applies_above: int | None  # prompt tokens above which the tier applies; None for the base prices
    per_million: dict[str, Decimal]

    @property
    def per_token(self) -> dict[str, Decimal]:
        return {k: v / MILLION for k, v in self.per_million.items()}


@dataclass(frozen=True)
class Explanation:
    asked: str  # the provider name as given
    provider: str  # its canonical name
    priced_as: tuple[str, ...]  # whose entries price it (its own, then e.g. gcp.gemini for gcp.gen_ai)
    forms: list[Candidate]
    verdicts: list[Verdict]  # the winner first
    winner: Match | None
    rule: RuleChoice
    prices: list[PriceLine]
    unpriced: str  # the reason an unpriced call would carry, "" when an entry applies

    @property
    def known_provider(self) -> bool:
        return is_known(self.provider)


def price_lines(entry: PriceEntry) -> list[PriceLine]:
    """The entry's per-token prices after fallbacks (cache as input, reasoning as output), per tier."""
    levels = [-1, *(t.above_input_tokens + 1 for t in entry.tiers)]
    lines = []
    for prompt in levels:
        tier, prices = unit_prices(entry, prompt)
        lines.append(PriceLine(tier, {k: prices[k] for k in KINDS}))
    return lines


def _verdict(entry: PriceEntry, form: Candidate, winner: Match | None, at: datetime, project: str,
             team: str) -> Verdict:
    if winner is not None and entry.id == winner.entry.id and winner.priced_as == f"{form.provider}/{form.model}":
        return Verdict(entry, form, True, winner.reason)
    if not entry.effective_at(at):
        return Verdict(entry, form, False, f"not effective at {at.isoformat()} ({period(entry)})")
    if not in_scope(entry, project, team):
        scope = entry.scope.model_dump(exclude_none=True)
        return Verdict(entry, form, False, f"scope {scope} does not match project={project!r} team={team!r}")
    assert winner is not None  # an effective, in-scope entry matches a form, so match() found one
    return Verdict(entry, form, False, f"outranked by {winner.entry.id} (as {winner.priced_as}; see precedence "
                                       "in pricing.py)")


def explain(catalog: Catalog, provider: str, model: str, at: datetime, project: str = "", team: str = "",
            scope: str = "") -> Explanation:
    """Everything `prices explain` prints about pricing `model` of `provider` at `at`."""
    winner = match(catalog, provider, model, at, project, team, scope)
    forms = candidates(provider, model, catalog.deployments)
    verdicts: list[Verdict] = []
    seen: set[str] = set()
    for form in forms:
        for e in catalog.entries:
            if e.id in seen or e.provider != form.provider or match_kind(e, form.model) is None:
                continue
            seen.add(e.id)
            verdicts.append(_verdict(e, form, winner, at, project, team))
    verdicts.sort(key=lambda v: not v.applies)
    name = canonical(provider)
    return Explanation(
        asked=provider, provider=name, priced_as=price_providers(name), forms=forms, verdicts=verdicts,
        winner=winner, rule=winner.rule if winner else catalog.rule_for(name, scope),
        prices=price_lines(winner.entry) if winner else [],
        unpriced="" if winner else missing_entry(provider, model, catalog.deployments))
