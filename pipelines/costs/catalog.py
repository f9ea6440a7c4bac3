"""The price catalog: what a model costs, since when, and according to whom.

Prices are data, not code: a shipped YAML file (`pipelines/costs/prices.yaml`) plus user
overrides, merged into one immutable `Catalog`. Every cost row records the catalog
`version` (a content hash) and the entry id it used, so a number can always be traced to
the price that produced it. Money is `Decimal` per million tokens; the per-request fee is
per request. Validation lives in `pipelines/costs/catalog_check.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from store.errors import ConfigError

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


class Catalog(_Frozen):
    """Shipped and user entries plus per-provider accounting rules; immutable."""

    entries: tuple[PriceEntry, ...]
    rules: Mapping[str, AccountingRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        seen: set[str] = set()
        for e in self.entries:
            if e.id in seen:
                raise ValueError(f"duplicate entry id {e.id!r}: cost rows record the id, so it must be unique")
            seen.add(e.id)
        return self

    def rule_for(self, provider: str) -> AccountingRule:
        """The provider's declared rule, else the OTel convention."""
        return self.rules.get(provider, AccountingRule())

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
        """This catalog with `user`'s entries (marked user) and rules layered on top."""
        marked = tuple(e.model_copy(update={"origin": "user"}) for e in user.entries)
        return _build(self.entries + marked, {**self.rules, **user.rules}, "user catalog")


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
    """Build a catalog from a parsed YAML document: {rules: {...}, entries: [...]}."""
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
    try:
        rules = {p: AccountingRule.model_validate(r) for p, r in (doc.get("rules") or {}).items()}
    except (ValidationError, AttributeError) as exc:
        problems.append(f"{where}: rules: {exc}")
        rules = {}
    if problems:
        raise CatalogError(*problems)
    return _build(tuple(entries), rules, where)


def _build(entries: tuple[PriceEntry, ...], rules: Mapping[str, AccountingRule], where: str) -> Catalog:
    try:
        return Catalog(entries=entries, rules=rules)
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


def load_shipped(user_paths: Iterable[Path | str] = ()) -> Catalog:
    """The shipped catalog with any user override files layered on top, in order."""
    cat = load_catalog(SHIPPED_PATH)
    for p in user_paths:
        cat = cat.merged(load_catalog(p, origin="user"))
    return cat
