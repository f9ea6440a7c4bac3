"""Price coverage: the share of calls and tokens priced, by provider and model, and what to add."""

from __future__ import annotations

from client.models.wire import DecimalText, Money, Window, Wire


class CoverageFigures(Wire):
    """Calls and tokens (input + output) of a group, all and priced; shares 0-1 to four places (1 with no calls)."""

    calls: int
    priced_calls: int
    share: DecimalText  # priced calls / calls
    tokens: int
    priced_tokens: int
    token_share: DecimalText  # priced tokens / tokens
    cost: Money  # of the priced calls


class ProviderCoverage(CoverageFigures):
    provider: str


class UnpricedReason(Wire):
    reason: str  # "no price entry for ...: add one with ..." or "inconsistent tokens: ..."
    calls: int


class ModelCoverage(CoverageFigures):
    provider: str
    model: str
    unpriced_calls: int
    reasons: list[UnpricedReason]  # most calls first
    entry: str | None  # a price-file entry (YAML) that would price the calls no entry prices; fill in the prices


class CoverageGap(Wire):
    """Unpriced calls of one provider, model and instrumentation scope, with why."""

    provider: str
    model: str
    scope_name: str
    reason: str
    calls: int


class CostCoverage(Window, CoverageFigures):
    """GET /api/v1/costs/coverage: how much of the range's token-priced traffic is priced (self-hosted apart)."""

    by_basis: dict[str, int]  # priced calls by price basis: provider, gateway, vendor
    self_hosted_calls: int  # priced by GPU time instead (/api/v1/gpu/costs)
    models: list[ModelCoverage]  # unpriced first: most unpriced calls first, then most calls
    providers: list[ProviderCoverage]  # most calls first
    missing: list[CoverageGap]  # no entry prices them
    inconsistent: list[CoverageGap]  # an entry applies, but the token counts do not add up
