"""Pure pricing: which catalog entry applies to a call, and what the call costs.

No I/O and no clock: the cost job passes the catalog and the calls in. The twin for
millions of rows is `pipelines/costs/pricing_sql.py` (in the store); it reuses `match` and
`unit_prices`, and a test holds the two to identical Decimal results.

Which names are looked up (`match`): the forms of `pipelines/costs/model_names.py`, in order:
the model name as sent (or an Azure deployment's model), a Bedrock id without its region
prefix, a dated snapshot's base name, the same under a provider it is priced as (gcp.gen_ai:
gcp.gemini), a gateway's own entry, then the vendor's list price for a gateway name; the
first form any entry prices wins. Provider names are canonical (`store/providers.py`),
whatever spelling the call or the catalog uses.

Precedence among the entries that price one form, highest first; the first key that differs decides:
  1. scope: an entry scoped to project+team > team > project > global (all of an
     entry's scope fields must equal the call's);
  2. origin: a user entry > a shipped entry;
  3. kind: an exact model name > a regex;
  4. regex specificity: more literal characters in the pattern wins (`specificity`);
  5. the later `effective_from`, then the smaller entry id (deterministic; equal keys
     among effective entries are reported by `pipelines.costs.catalog_check`).
Only entries effective at the call's time (from <= at < to) take part.

Cost (`price`): quantities never overlap. With the OTel rule (input includes cache),
uncached input = input - cache_read - cache_write; with output including reasoning,
output billed at the output price = output - reasoning. A call with inconsistent counts
is not priced (priced=False, reason lists the flags): a wrong number that looks right is
worse than a visible gap. Amounts are exact at 12 decimal places (prices carry at most
6 decimals per million tokens, validated in catalog.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from pipelines.costs.catalog import EPOCH, Catalog, PriceEntry, RuleChoice
from pipelines.costs.model_names import Basis, Candidate, candidates, missing_entry

MILLION = Decimal(1_000_000)
SCALE = Decimal("1e-12")
ABSURD_TOKENS = 10_000_000  # more than any context window today: a broken counter
NO_ENTRY = "no price entry"
_META = set(".^$*+?{}[]|()")


@dataclass(frozen=True)
class Call:
    """The token counts of one LLM call, as stored in `llm_calls`."""

    provider: str
    model: str
    at: datetime
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    project: str = ""
    team: str = ""
    scope: str = ""  # the instrumentation that reported it (the span's scope name)


@dataclass(frozen=True)
class Match:
    """The entry that applies, what it was found as, and a one-line explanation (for `prices explain`)."""

    entry: PriceEntry
    rule: RuleChoice
    reason: str
    basis: Basis = "provider"
    priced_as: str = ""  # "<provider>/<model name>" the entry matched


@dataclass(frozen=True)
class Cost:
    """One call's cost. Amounts are None when unpriced (never a silent zero)."""

    priced: bool
    reason: str  # "" when priced; "no price entry ..." (what to add) or "inconsistent tokens: ..." otherwise
    flags: tuple[str, ...]
    entry_id: str | None
    rule: str  # RuleChoice.label, "" when no entry matched
    tier: int | None  # the applied tier's above_input_tokens, None for base prices
    currency: str
    basis: str = ""  # Match.basis, "" when no entry matched
    priced_as: str = ""
    input: Decimal | None = None  # uncached input
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    output: Decimal | None = None  # output excluding reasoning
    reasoning: Decimal | None = None
    request_fee: Decimal | None = None
    total: Decimal | None = None


@lru_cache(maxsize=4096)
def specificity(pattern: str) -> int:
    """Literal characters in a regex: `gpt-4o-mini.*` (11) beats `gpt-4o.*` (6).

    Escaped characters count as literal; metacharacters, and everything inside a
    character class or a `{m,n}` quantifier, count zero.
    """
    score, i, in_class, in_brace = 0, 0, False, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            score += 0 if (in_class or pattern[i + 1].isalpha()) else 1
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif in_brace:
            in_brace = ch != "}"
        elif ch == "[":
            in_class = True
        elif ch == "{":
            in_brace = True
        elif ch not in _META:
            score += 1
        i += 1
    return score


@lru_cache(maxsize=4096)
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def match_kind(entry: PriceEntry, model: str) -> int | None:
    """1 for an exact name hit, 0 for a regex hit, None for no hit (case-insensitive)."""
    m = model.casefold()
    if any(m == n.casefold() for n in entry.models):
        return 1
    if entry.pattern is not None and compiled_pattern(entry.pattern).fullmatch(model):
        return 0
    return None


def in_scope(entry: PriceEntry, project: str, team: str) -> bool:
    s = entry.scope
    return (s.project is None or s.project == project) and (s.team is None or s.team == team)


def precedence_key(entry: PriceEntry, kind: int) -> tuple[int, int, int, int, datetime]:
    """The sort key of the module docstring's rule (higher wins, before the id tie-break)."""
    spec = specificity(entry.pattern) if kind == 0 and entry.pattern else 0
    return (entry.scope.rank, int(entry.origin == "user"), kind, spec, entry.effective_from)


def best_entry(catalog: Catalog, provider: str, model: str, at: datetime, project: str = "",
               team: str = "") -> tuple[PriceEntry, int] | None:
    """The entry of `provider` that prices the name `model` at `at` for this project/team, and its kind."""
    best: tuple[tuple[int, int, int, int, datetime], str, PriceEntry, int] | None = None
    for e in catalog.entries:
        if e.provider != provider or not e.effective_at(at) or not in_scope(e, project, team):
            continue
        kind = match_kind(e, model)
        if kind is None:
            continue
        key = precedence_key(e, kind)
        if best is None or key > best[0] or (key == best[0] and e.id < best[1]):
            best = (key, e.id, e, kind)
    return None if best is None else (best[2], best[3])


def period(entry: PriceEntry) -> str:
    """When an entry is in effect, in words: "always", "from ...", "until ..." or "... .. ..."."""
    start = None if entry.effective_from == EPOCH else entry.effective_from.isoformat()
    end = entry.effective_to.isoformat() if entry.effective_to else None
    if start and end:
        return f"{start} .. {end}"
    return f"from {start}" if start else f"until {end}" if end else "always"


def _found(c: Candidate, entry: PriceEntry, kind: int, rule: RuleChoice) -> Match:
    how = f"exact name {c.model!r}" if kind == 1 else f"regex {entry.pattern!r}"
    scope = ",".join(f"{k}={v}" for k, v in entry.scope.model_dump().items() if v) or "global"
    found_as = f" ({c.how})" if c.how else ""
    basis = {"provider": "", "gateway": ", the gateway's own price", "vendor": ", the vendor's list price"}[c.basis]
    reason = f"{entry.origin} entry {entry.id} ({scope}) by {how}{found_as}{basis}, effective {period(entry)}"
    return Match(entry, rule, reason, c.basis, f"{c.provider}/{c.model}")


def match(
    catalog: Catalog, provider: str, model: str, at: datetime, project: str = "", team: str = "", scope: str = ""
) -> Match | None:
    """The entry that prices `model` of `provider` at `at` for this project/team, if any (see the docstring)."""
    for c in candidates(provider, model, catalog.deployments):
        found = best_entry(catalog, c.provider, c.model, at, project, team)
        if found is not None:
            return _found(c, *found, catalog.rule_for(provider, scope))
    return None


def token_flags(call: Call, rule: RuleChoice) -> tuple[str, ...]:
    """Why a call's token counts cannot be priced as they stand (empty when fine)."""
    counts = (
        call.input_tokens,
        call.output_tokens,
        call.cache_read_tokens,
        call.cache_write_tokens,
        call.reasoning_tokens,
    )
    flags = []
    if any(c < 0 for c in counts):
        flags.append("negative_tokens")
    if any(c > ABSURD_TOKENS for c in counts):
        flags.append("absurd_tokens")
    if rule.input_includes_cache and (
        call.cache_read_tokens + call.cache_write_tokens > call.input_tokens
    ):
        flags.append("cache_exceeds_input")
    if rule.output_includes_reasoning and call.reasoning_tokens > call.output_tokens:
        flags.append("reasoning_exceeds_output")
    return tuple(flags)


def prompt_tokens(call: Call, rule: RuleChoice) -> int:
    """The prompt size that selects a tier: all input tokens, cached ones included."""
    if rule.input_includes_cache:
        return call.input_tokens
    return call.input_tokens + call.cache_read_tokens + call.cache_write_tokens


def unit_prices(entry: PriceEntry, prompt: int) -> tuple[int | None, dict[str, Decimal]]:
    """Per-million prices for a prompt size, after tiers and fallbacks.

    Fallbacks: no cache_read/cache_write price means the provider bills cached tokens
    as input; no reasoning price means reasoning is billed as output.
    """
    base = {
        "input": entry.input,
        "output": entry.output,
        "cache_read": entry.cache_read,
        "cache_write": entry.cache_write,
        "reasoning": entry.reasoning,
    }
    tier_at = None
    for t in entry.tiers:  # ascending; the highest tier exceeded wins
        if prompt > t.above_input_tokens:
            tier_at = t.above_input_tokens
            prices = t.model_dump(exclude={"above_input_tokens"})
            base.update({k: v for k, v in prices.items() if v is not None})
    inp, out = base["input"], base["output"]
    assert inp is not None and out is not None
    return tier_at, {
        "input": inp,
        "output": out,
        "cache_read": base["cache_read"] if base["cache_read"] is not None else inp,
        "cache_write": base["cache_write"] if base["cache_write"] is not None else inp,
        "reasoning": base["reasoning"] if base["reasoning"] is not None else out,
    }


def _amount(tokens: int, per_million: Decimal) -> Decimal:
    return (tokens * per_million / MILLION).quantize(SCALE)


def price(call: Call, m: Match | None, unpriced: str = NO_ENTRY) -> Cost:
    """The exact cost of `call` under the match's entry and accounting rule; `unpriced` is the reason
    when there is no match."""
    if m is None:
        return Cost(False, unpriced, (), None, "", None, "USD")
    entry, rule = m.entry, m.rule
    flags = token_flags(call, rule)
    if flags:
        reason = "inconsistent tokens: " + ",".join(flags)
        return Cost(False, reason, flags, entry.id, rule.label, None, entry.currency, m.basis, m.priced_as)
    cached = call.cache_read_tokens + call.cache_write_tokens
    uncached = call.input_tokens - cached if rule.input_includes_cache else call.input_tokens
    reasoning = call.reasoning_tokens
    plain_out = call.output_tokens - reasoning if rule.output_includes_reasoning else call.output_tokens
    # plain_out and uncached are >= 0 here: token_flags refused any call where they are not
    tier, p = unit_prices(entry, prompt_tokens(call, rule))
    parts = {
        "input": _amount(uncached, p["input"]),
        "cache_read": _amount(call.cache_read_tokens, p["cache_read"]),
        "cache_write": _amount(call.cache_write_tokens, p["cache_write"]),
        "output": _amount(plain_out, p["output"]),
        "reasoning": _amount(reasoning, p["reasoning"]),
        "request_fee": (entry.request_fee or Decimal(0)).quantize(SCALE),
    }
    total = sum(parts.values(), Decimal(0)).quantize(SCALE)
    return Cost(True, "", (), entry.id, rule.label, tier, entry.currency, m.basis, m.priced_as, total=total, **parts)


def price_call(catalog: Catalog, call: Call) -> tuple[Match | None, Cost]:
    """Match then price: the one-call path used by `prices explain` and tests."""
    m = match(catalog, call.provider, call.model, call.at, call.project, call.team, call.scope)
    return m, price(call, m, missing_entry(call.provider, call.model, catalog.deployments))
