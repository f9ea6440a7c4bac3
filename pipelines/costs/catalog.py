"""The price catalog: what a model costs, since when, and according to whom.

Prices are data, not code: a shipped YAML file (`pipelines/costs/prices.yaml`) plus user
overrides, merged into one immutable `Catalog`. Every cost row records the catalog
`version` (a content hash) and the entry id it used, so a number can always be traced to
the price that produced it. Money is `Decimal` per million tokens; the per-request fee is
per request. Validation lives in `pipelines/costs/catalog_check.py`.

Provider names go through the shared vocabulary (`store/providers.py`): an entry or a rule
may name any spelling the collector knows (`google`, `bedrock`, `azure`, ...) and means the
canonical provider the collector stores. Accounting rules are keyed by provider, and by
instrumentation (the span's scope name) and provider where one instrumentation reports a
provider's counts differently from the others (`rule_for`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from store.errors import ConfigError
from store.providers import canonical

SHIPPED_PATH = Path(__file__).with_name("prices.yaml")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_PRICE_DECIMALS = 6  # so that tokens x (price / 1e6) is exact at scale 12
Origin = Literal["shipped", "user"]


class CatalogError(ConfigError):
    """A price catalog file or document cannot be used; the message says where and why.

    `problems` holds one line per problem (the message joins them with "; ").
    """

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_price(v: Decimal | None) -> Decimal | None:
    if v is None:
        return None
    if not v.is_finite() or v < 0:
        raise ValueError(f"price must be a non-negative number, got {v}")
    if -v.normalize().as_tuple().exponent > MAX_PRICE_DECIMALS:  # type: ignore[operator]
        raise ValueError(f"price {v} has more than {MAX_PRICE_DECIMALS} decimal places")
    return v


class Tier(_Frozen):
    """Prices that replace the base prices when the call's prompt exceeds a size.

    Applies when prompt tokens > `above_input_tokens` (strictly). Unset prices inherit
    the entry's base prices.
    """

    above_input_tokens: int = Field(ge=0)
    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None

    _prices = field_validator("input", "output", "cache_read", "cache_write", "reasoning")(
        _check_price
    )


class Scope(_Frozen):
    """Restricts a user entry to a project and/or a team; every set field must match."""

    project: str | None = None
    team: str | None = None

    @property
    def rank(self) -> int:
        """Specificity: project+team 3 > team 2 > project 1 > global 0 (see pricing.py)."""
        return (2 if self.team else 0) + (1 if self.project else 0)


class AccountingRule(_Frozen):
    """How a provider's token counts relate to each other (declared, never guessed).

    The OTel GenAI convention says `input_tokens` includes cache read and cache write
    tokens, and `output_tokens` includes reasoning tokens; both default to true.
    """

    input_includes_cache: bool = True
    output_includes_reasoning: bool = True

    @property
    def label(self) -> str:
        return (
            f"input_includes_cache={str(self.input_includes_cache).lower()},"
            f"output_includes_reasoning={str(self.output_includes_reasoning).lower()}"
        )


CONVENTION = AccountingRule()


@dataclass(frozen=True)
class RuleChoice:
    """The accounting rule that applies to a call and where it comes from (recorded on cost rows)."""

    rule: AccountingRule
    source: str  # "<scope> <provider>", "<provider>" or "convention"

    @property
    def input_includes_cache(self) -> bool:
        return self.rule.input_includes_cache

    @property
    def output_includes_reasoning(self) -> bool:
        return self.rule.output_includes_reasoning

    @property
    def label(self) -> str:
        return f"{self.source}: {self.rule.label}"


class PriceEntry(_Frozen):
    """One price line: which models, when, at what price per million tokens."""

    id: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    models: tuple[str, ...] = ()
    pattern: str | None = None
    effective_from: datetime = EPOCH
    effective_to: datetime | None = None
    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    request_fee: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    currency: str = "USD"
    source: str | None = None
    checked: date | None = None
    note: str | None = None
    scope: Scope = Scope()
    origin: Origin = "shipped"

    _prices = field_validator(
        "input", "output", "cache_read", "cache_write", "reasoning", "request_fee"
    )(_check_price)

    @field_validator("provider")
    @classmethod
    def _canonical(cls, v: str) -> str:
        return canonical(v)

    @field_validator("effective_from", "effective_to")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            return v.replace(tzinfo=timezone.utc)
        return v.astimezone(timezone.utc) if v is not None else None

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"bad regex {v!r}: {exc}") from None
        return v

    @model_validator(mode="after")
    def _shape(self) -> PriceEntry:
        if not self.models and self.pattern is None:
            raise ValueError("needs `models` (exact names) and/or `pattern` (a regex)")
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        if self.origin == "shipped" and (not self.source or self.checked is None):
            raise ValueError("a shipped entry needs `source` and `checked`")
        if self.origin == "shipped" and (self.scope.project or self.scope.team):
            raise ValueError("only user entries may be scoped to a project or team")
        bounds = [t.above_input_tokens for t in self.tiers]
        if bounds != sorted(set(bounds)):
            raise ValueError("tiers must have distinct, ascending above_input_tokens")
        return self

    def effective_at(self, at: datetime) -> bool:
        """Half-open validity: effective_from <= at < effective_to."""
        return self.effective_from <= at and (self.effective_to is None or at < self.effective_to)


def _canonical_keys(rules: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, rule in rules.items():
        if canonical(name) in out:
            raise ValueError(f"provider {name!r} is named twice (as {canonical(name)!r} and an alias of it)")
        out[canonical(name)] = rule
    return out


class Catalog(_Frozen):
    """Shipped and user entries, accounting rules and Azure deployment names; immutable.

    `rules`: provider -> rule. `instrumentations`: scope name -> provider -> rule, for an
    instrumentation that reports a provider's counts its own way. `deployments`: Azure
    OpenAI deployment name -> the model it serves (see pipelines/costs/model_names.py).
    """

    entries: tuple[PriceEntry, ...]
    rules: Mapping[str, AccountingRule] = Field(default_factory=dict)
    instrumentations: Mapping[str, Mapping[str, AccountingRule]] = Field(default_factory=dict)
    deployments: Mapping[str, str] = Field(default_factory=dict)

    @field_validator("rules", mode="before")
    @classmethod
    def _rule_providers(cls, v: Any) -> Any:
        return _canonical_keys(v) if isinstance(v, Mapping) else v

    @field_validator("instrumentations", mode="before")
    @classmethod
    def _scope_providers(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            return v
        return {scope: _canonical_keys(rules) if isinstance(rules, Mapping) else rules for scope, rules in v.items()}

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        seen: set[str] = set()
        for e in self.entries:
            if e.id in seen:
                raise ValueError(f"duplicate entry id {e.id!r}: cost rows record the id, so it must be unique")
            seen.add(e.id)
        return self

    def rule_for(self, provider: str, scope: str = "") -> RuleChoice:
        """The instrumentation's rule for the provider, else the provider's, else the OTel convention."""
        provider = canonical(provider)
        by_scope = self.instrumentations.get(scope, {}).get(provider) if scope else None
        if by_scope is not None:
            return RuleChoice(by_scope, f"{scope} {provider}")
        if provider in self.rules:
            return RuleChoice(self.rules[provider], provider)
        return RuleChoice(CONVENTION, "convention")

    @property
    def version(self) -> str:
        """sha256 of the canonical content (entries by id, Decimals normalised).

        Equal prices spelled differently ("3" / "3.00") and reordered entries hash equal;
        any change to an entry (price, dates, match, note, source) gives a new version.
        """
        content = self.model_dump()
        content["entries"] = sorted(content["entries"], key=lambda e: e["id"])
        blob = json.dumps(_canonical(content), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def merged(self, user: Catalog) -> Catalog:
        """This catalog with `user`'s entries (marked user), rules and deployments layered on top."""
        marked = tuple(e.model_copy(update={"origin": "user"}) for e in user.entries)
        scopes = {scope: {**self.instrumentations.get(scope, {}), **rules}
                  for scope, rules in user.instrumentations.items()}
        return _build(self.entries + marked, {**self.rules, **user.rules}, "user catalog",
                      {**self.instrumentations, **scopes}, {**self.deployments, **user.deployments})

    def with_deployments(self, deployments: Mapping[str, str]) -> Catalog:
        """This catalog with more Azure deployment names (the `deployments` setting) on top."""
        if not deployments:
            return self
        return self.model_copy(update={"deployments": {**self.deployments, **deployments}})


def _canonical(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f")
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    return obj


def parse_catalog(doc: Any, origin: Origin = "shipped", where: str = "catalog") -> Catalog:
    """Build a catalog from a parsed YAML document: {rules, instrumentations, deployments, entries}."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("entries"), list):
        raise CatalogError(f"{where}: expected a mapping with an `entries` list")
    entries: list[PriceEntry] = []
    problems: list[str] = []
    for i, raw in enumerate(doc["entries"]):
        label = raw.get("id", f"#{i}") if isinstance(raw, Mapping) else f"#{i}"
        try:
            if not isinstance(raw, Mapping):
                raise CatalogError("entry must be a mapping")
            entries.append(PriceEntry.model_validate({**raw, "origin": origin}))
        except ValidationError as exc:
            problems += [f"{where}: entry {label}: {_fmt(err)}" for err in exc.errors()]
        except CatalogError as exc:
            problems.append(f"{where}: entry {label}: {exc}")
    if problems:
        raise CatalogError(*problems)
    return _build(tuple(entries), doc.get("rules") or {}, where, doc.get("instrumentations") or {},
                  doc.get("deployments") or {})


def _build(entries: tuple[PriceEntry, ...], rules: Mapping[str, Any], where: str,
           instrumentations: Mapping[str, Any] | None = None, deployments: Mapping[str, str] | None = None) -> Catalog:
    try:
        return Catalog(entries=entries, rules=rules, instrumentations=instrumentations or {},
                       deployments=deployments or {})
    except ValidationError as exc:
        raise CatalogError(*(f"{where}: {_fmt(e)}" for e in exc.errors())) from None


def _fmt(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def load_catalog(path: Path | str, origin: Origin = "shipped") -> Catalog:
    """Read and parse one YAML catalog file; every failure is a CatalogError."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(f"{p}: not valid YAML{at}: {problem}") from None
    return parse_catalog(doc, origin=origin, where=str(p))


def load_shipped(user_paths: Iterable[Path | str] = (), deployments: Mapping[str, str] | None = None) -> Catalog:
    """The shipped catalog with any user override files layered on top, in order, then `deployments`."""
    cat = load_catalog(SHIPPED_PATH)
    for p in user_paths:
        cat = cat.merged(load_catalog(p, origin="user"))
    return cat.with_deployments(deployments or {})
