"""Price coverage: which share of the calls is priced, by what kind of price, and what to add.

Pure: folds the grouped cost rows of `store/queries/coverage.py` into one report, for the
future `/api/v1/costs/coverage` endpoint. Calls of self-hosted providers (vLLM, TGI, ...) are
priced by GPU time, not tokens, so they are counted apart and never as missing. The unpriced
calls are split into calls no entry prices (their reason says which entry to add) and calls
whose token counts are inconsistent (flagged: an accounting rule may be wrong for their
instrumentation, so the scope is kept).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from store.providers import canonical

SHARE = Decimal("0.0001")


@dataclass(frozen=True)
class Gap:
    """Unpriced calls of one provider, model and instrumentation, with why."""

    provider: str
    model: str
    scope_name: str
    reason: str
    calls: int


@dataclass(frozen=True)
class ProviderCoverage:
    provider: str
    calls: int
    priced_calls: int
    cost: Decimal

    @property
    def share(self) -> Decimal:
        return _share(self.priced_calls, self.calls)


@dataclass(frozen=True)
class Coverage:
    calls: int  # token-priced calls: self-hosted ones are not counted here
    priced_calls: int
    cost: Decimal
    by_basis: dict[str, int]  # priced calls by price basis: provider, gateway, vendor
    providers: list[ProviderCoverage]  # most calls first
    missing: list[Gap]  # no entry prices them: the reason says what to add
    inconsistent: list[Gap]  # an entry applies but the token counts do not add up
    self_hosted_calls: int

    @property
    def share(self) -> Decimal:
        """Priced calls / calls, to 4 places (1 when there are no calls: nothing is missing)."""
        return _share(self.priced_calls, self.calls)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money and shares as decimal strings."""
        return {"calls": self.calls, "priced_calls": self.priced_calls, "share": str(self.share),
                "cost": str(self.cost), "by_basis": self.by_basis, "self_hosted_calls": self.self_hosted_calls,
                "providers": [{**asdict(p), "cost": str(p.cost), "share": str(p.share)} for p in self.providers],
                "missing": [asdict(g) for g in self.missing], "inconsistent": [asdict(g) for g in self.inconsistent]}


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(SHARE) if whole else Decimal(1).quantize(SHARE)


def coverage(rows: Iterable[Mapping[str, Any]], self_hosted: Iterable[str] = ()) -> Coverage:
    """The report from `coverage_rows` (calls grouped by provider, model, scope, basis, priced, reason)."""
    local = {canonical(p) for p in self_hosted}
    calls: Counter[str] = Counter()
    priced: Counter[str] = Counter()
    cost: dict[str, Decimal] = {}
    basis: Counter[str] = Counter()
    gaps: dict[bool, Counter[tuple[str, str, str, str]]] = {True: Counter(), False: Counter()}
    hosted = 0
    for r in rows:
        provider = canonical(r["provider"])
        if provider in local:
            hosted += r["calls"]
            continue
        calls[provider] += r["calls"]
        cost[provider] = cost.get(provider, Decimal(0)) + r["cost"]
        if r["priced"]:
            priced[provider] += r["calls"]
            basis[r["price_basis"]] += r["calls"]
        else:
            flagged = r["reason"].startswith("inconsistent tokens")
            gaps[flagged][(provider, r["model"], r["scope_name"], r["reason"])] += r["calls"]
    providers = [ProviderCoverage(p, n, priced[p], cost[p]) for p, n in calls.items()]
    providers.sort(key=lambda p: (-p.calls, p.provider))

    def listed(found: Counter[tuple[str, str, str, str]]) -> list[Gap]:
        return [Gap(*key, n) for key, n in sorted(found.items(), key=lambda item: (-item[1], item[0]))]

    return Coverage(sum(calls.values()), sum(priced.values()), sum(cost.values(), Decimal(0)), dict(basis),
                    providers, listed(gaps[False]), listed(gaps[True]), hosted)
