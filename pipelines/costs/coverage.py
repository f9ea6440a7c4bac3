"""Price coverage: which share of the calls and of the tokens is priced, by what kind of price, and what to add.

Pure: folds the grouped cost rows of `store/queries/coverage.py` into one report, which
`GET /api/v1/costs/coverage` serves. Calls of self-hosted providers (vLLM, TGI, ...) are
priced by GPU time, not tokens, so they are counted apart and never as missing. The unpriced
calls are split into calls no entry prices (their reason says which entry to add, and each
such model gets that entry sketched, ready to fill in and paste into a price file) and calls
whose token counts are inconsistent (flagged: an accounting rule may be wrong for their
instrumentation, so the scope is kept). Models are listed unpriced first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from pipelines.costs.model_names import suggested_entry
from store.providers import canonical

SHARE = Decimal("0.0001")
INCONSISTENT = "inconsistent tokens"
_PLACEHOLDERS = {"input": "<USD per million input tokens>", "output": "<USD per million output tokens>",
                 "source": "<where the price is published>"}


def _share(part: int, whole: int) -> Decimal:
    """part / whole to 4 places; 1 when there is nothing (nothing is missing)."""
    return (Decimal(part) / Decimal(whole)).quantize(SHARE) if whole else Decimal(1).quantize(SHARE)


@dataclass
class Tally:
    """Calls and tokens (input + output), all and priced, and the cost of the priced ones."""

    calls: int = 0
    priced_calls: int = 0
    tokens: int = 0
    priced_tokens: int = 0
    cost: Decimal = Decimal(0)

    def add(self, row: Mapping[str, Any]) -> None:
        tokens = row["input_tokens"] + row["output_tokens"]
        self.calls += row["calls"]
        self.tokens += tokens
        self.cost += row["cost"]
        if row["priced"]:
            self.priced_calls += row["calls"]
            self.priced_tokens += tokens

    @property
    def share(self) -> Decimal:
        """Priced calls / calls."""
        return _share(self.priced_calls, self.calls)

    @property
    def token_share(self) -> Decimal:
        """Priced tokens / tokens."""
        return _share(self.priced_tokens, self.tokens)


@dataclass(frozen=True)
class Gap:
    """Unpriced calls of one provider, model and instrumentation, with why."""

    provider: str
    model: str
    scope_name: str
    reason: str
    calls: int


@dataclass
class ProviderCoverage(Tally):
    provider: str = ""


@dataclass(frozen=True)
class Reason:
    reason: str
    calls: int


@dataclass
class ModelCoverage(Tally):
    provider: str = ""
    model: str = ""
    unpriced: Counter[str] = field(default_factory=Counter)  # unpriced calls by reason
    entry: str | None = None  # a catalog entry that would price the calls no entry prices, sketched

    @property
    def unpriced_calls(self) -> int:
        return self.calls - self.priced_calls

    @property
    def reasons(self) -> list[Reason]:
        """Why its calls are unpriced, most calls first."""
        return [Reason(reason, calls) for reason, calls in self.unpriced.most_common()]


@dataclass
class Coverage(Tally):
    """The whole range's tally (token-priced calls: self-hosted ones are not counted here), and its parts."""

    by_basis: dict[str, int] = field(default_factory=dict)  # priced calls by price basis: provider, gateway, vendor
    providers: list[ProviderCoverage] = field(default_factory=list)  # most calls first
    models: list[ModelCoverage] = field(default_factory=list)  # unpriced first (most unpriced calls first)
    missing: list[Gap] = field(default_factory=list)  # no entry prices them: the reason says what to add
    inconsistent: list[Gap] = field(default_factory=list)  # an entry applies but the token counts do not add up
    self_hosted_calls: int = 0


def entry_sketch(provider: str, model: str, deployments: Mapping[str, str] | None = None) -> str | None:
    """A price-file entry (YAML) for the (provider, name) that would price such calls, prices left to fill in."""
    target = suggested_entry(provider, model, deployments)
    if target is None:
        return None
    ident = f"{target.provider}-{target.model}".replace("/", "-").replace(":", "-").replace("@", "-")
    entry = {"id": ident, "provider": target.provider, "models": [target.model], **_PLACEHOLDERS}
    return yaml.safe_dump([entry], sort_keys=False, default_flow_style=None, allow_unicode=True)


def coverage(rows: Iterable[Mapping[str, Any]], self_hosted: Iterable[str] = (),
             deployments: Mapping[str, str] | None = None) -> Coverage:
    """The report from `coverage_rows` (calls grouped by provider, model, scope, basis, priced, reason)."""
    local = {canonical(p) for p in self_hosted}
    total = Tally()
    providers: dict[str, ProviderCoverage] = {}
    models: dict[tuple[str, str], ModelCoverage] = {}
    basis: Counter[str] = Counter()
    gaps: dict[bool, Counter[tuple[str, str, str, str]]] = {True: Counter(), False: Counter()}
    hosted = 0
    for r in rows:
        provider = canonical(r["provider"])
        if provider in local:
            hosted += r["calls"]
            continue
        model = models.setdefault((provider, r["model"]), ModelCoverage(provider=provider, model=r["model"]))
        for tally in (total, providers.setdefault(provider, ProviderCoverage(provider=provider)), model):
            tally.add(r)
        if r["priced"]:
            basis[r["price_basis"]] += r["calls"]
            continue
        flagged = r["reason"].startswith(INCONSISTENT)
        gaps[flagged][(provider, r["model"], r["scope_name"], r["reason"])] += r["calls"]
        model.unpriced[r["reason"]] += r["calls"]
        if not flagged and model.entry is None:
            model.entry = entry_sketch(provider, r["model"], deployments)

    def listed(found: Counter[tuple[str, str, str, str]]) -> list[Gap]:
        return [Gap(*key, n) for key, n in sorted(found.items(), key=lambda item: (-item[1], item[0]))]

    return Coverage(**vars(total), by_basis=dict(basis),
                    providers=sorted(providers.values(), key=lambda p: (-p.calls, p.provider)),
                    models=sorted(models.values(), key=lambda m: (-m.unpriced_calls, -m.calls, m.provider, m.model)),
                    missing=listed(gaps[False]), inconsistent=listed(gaps[True]), self_hosted_calls=hosted)
