"""Catalog validation beyond field shapes: the checks behind `spyglass prices check`.

Field-level problems (missing fields, negative prices, bad regexes, bad files) fail at
load time in catalog.py. What is left are problems *between* entries that make the
answer of `pricing.match` ambiguous or surprising:

- error: two entries of the same provider, origin and scope list the same exact name,
  or have the same regex, with overlapping effective periods;
- error: two different regexes of equal specificity (same provider, origin, scope,
  overlapping periods) both match a known model name, so only the id tie-break decides;
- warning: a regex also matches an exact name listed by another entry at the same level;
  the exact entry wins for that name (often intended, always worth seeing);
- warning: an entry or a rule names a provider that is neither canonical nor a known alias
  (store/providers.py): no call the collector stores can carry that name, so it never applies.
Known model names are every exact name in the catalog plus any `probes` passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Literal

from pipelines.costs.catalog import EPOCH, Catalog, CatalogError, Origin, PriceEntry, load_catalog
from pipelines.costs.pricing import compiled_pattern, specificity
from store.providers import CANONICAL


@dataclass(frozen=True)
class Issue:
    """One finding: errors make a catalog unusable, warnings are shown and accepted."""

    level: Literal["error", "warning"]
    entry_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.entry_id}: {self.message}"


def _level(e: PriceEntry) -> tuple[str, str, str | None, str | None]:
    return (e.provider, e.origin, e.scope.project, e.scope.team)


def _overlap(a: PriceEntry, b: PriceEntry) -> bool:
    a_end_after_b_start = a.effective_to is None or a.effective_to > b.effective_from
    b_end_after_a_start = b.effective_to is None or b.effective_to > a.effective_from
    return a_end_after_b_start and b_end_after_a_start


def _period(e: PriceEntry) -> str:
    start = "always" if e.effective_from == EPOCH else e.effective_from.isoformat()
    end = e.effective_to.isoformat() if e.effective_to else "open"
    return f"{start}..{end}"


def _unknown_providers(catalog: Catalog) -> list[Issue]:
    unknown = "is not a provider Spyglass knows (neither canonical nor an alias, see store/providers.py): " \
              "calls are never stored under it, so this never applies"
    issues = [Issue("warning", e.id, f"provider {e.provider!r} {unknown}")
              for e in catalog.entries if e.provider not in CANONICAL]
    issues += [Issue("warning", f"rules.{p}", f"provider {p!r} {unknown}") for p in catalog.rules if p not in CANONICAL]
    issues += [Issue("warning", f"instrumentations.{scope}.{p}", f"provider {p!r} {unknown}")
               for scope, rules in catalog.instrumentations.items() for p in rules if p not in CANONICAL]
    return issues


def validate(catalog: Catalog, probes: Iterable[str] = ()) -> list[Issue]:
    """All cross-entry problems of `catalog`, errors first, in a stable order."""
    issues: list[Issue] = _unknown_providers(catalog)
    names = {n.casefold() for e in catalog.entries for n in e.models} | {p.casefold() for p in probes}
    for a, b in combinations(catalog.entries, 2):
        if _level(a) != _level(b) or not _overlap(a, b):
            continue
        where = f"provider {a.provider}, {_period(a)} and {_period(b)}"
        shared = sorted({n.casefold() for n in a.models} & {n.casefold() for n in b.models})
        if shared:
            what = f"exact name(s) {', '.join(shared)}"
            issues.append(Issue("error", b.id, f"overlapping dates with {a.id} for {what} ({where})"))
        if a.pattern is not None and a.pattern == b.pattern:
            what = f"the same regex {a.pattern!r}"
            issues.append(Issue("error", b.id, f"overlapping dates with {a.id} for {what} ({where})"))
        elif a.pattern and b.pattern and specificity(a.pattern) == specificity(b.pattern):
            ra, rb = compiled_pattern(a.pattern), compiled_pattern(b.pattern)
            both = sorted(n for n in names if ra.fullmatch(n) and rb.fullmatch(n))
            if both:
                issues.append(Issue(
                    "error", b.id,
                    f"regex {b.pattern!r} shadows {a.id}'s {a.pattern!r}: equal specificity "
                    f"({specificity(a.pattern)}) and both match {', '.join(both[:3])} ({where})",
                ))
        for x, y in ((a, b), (b, a)):
            if x.pattern is None:
                continue
            hit = sorted(n for n in {m.casefold() for m in y.models} if compiled_pattern(x.pattern).fullmatch(n))
            if hit:
                issues.append(Issue(
                    "warning", x.id,
                    f"regex {x.pattern!r} also matches {', '.join(hit[:3])}, listed by {y.id}; the exact entry wins",
                ))
    return sorted(issues, key=lambda i: (i.level != "error", i.entry_id, i.message))


def errors(catalog: Catalog, probes: Iterable[str] = ()) -> list[Issue]:
    """Only the blocking findings."""
    return [i for i in validate(catalog, probes) if i.level == "error"]


def check_file(path: Path | str, origin: Origin = "shipped", probes: Iterable[str] = ()) -> list[Issue]:
    """Everything wrong with one catalog file: load problems, else cross-entry issues.

    For `spyglass prices check`: load problems (bad YAML, missing fields, negative
    prices, bad regexes) come back as errors, one per problem, instead of raising.
    """
    try:
        cat = load_catalog(path, origin=origin)
    except CatalogError as exc:
        return [Issue("error", str(path), p) for p in exc.problems]
    return validate(cat, probes)
