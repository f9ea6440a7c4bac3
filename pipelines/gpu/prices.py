"""GPU hourly prices: the shipped table, the user's overrides, and which price a GPU gets.

A GPU model name comes from NVML or DCGM in many spellings ("NVIDIA H100 80GB HBM3",
"NVIDIA-A100-SXM4-80GB", "Tesla A10G"), so prices are keyed by the *tokens* a name must
contain, not by exact names. The matching rule, the one place it lives:

- a name's tokens are its upper-cased alphanumeric runs ("NVIDIA A100-SXM4-80GB" ->
  NVIDIA, A100, SXM4, 80GB); a key's tokens likewise ("A100 80GB" -> A100, 80GB);
- a key matches when every one of its tokens is among the name's tokens, so "L4" does not
  match "L40S" and "A10G" does not match "A100";
- the key with the most tokens wins; two winning keys with different prices are
  ambiguous, and an ambiguous or unmatched model is *unpriced* (reported, never 0);
- precedence: a per-host price (`gpu.host_prices`) beats a per-model override
  (`gpu.model_prices`), which beats the shipped table.

The shipped table has no bare "A100" key on purpose: a 40 GB and an 80 GB A100 cost
different amounts, so a name that does not say which is unpriced rather than guessed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from store.errors import ConfigError

SHIPPED_PATH = Path(__file__).with_name("prices.yaml")
_TOKEN = re.compile(r"[A-Z0-9]+")


def tokens(name: str) -> frozenset[str]:
    """The upper-cased alphanumeric runs of a GPU model name or price key."""
    return frozenset(_TOKEN.findall(name.upper()))


@dataclass(frozen=True)
class GpuPrice:
    """The hourly price one GPU gets, and where it came from (stored on every cost row)."""

    hourly: Decimal | None
    source: str  # "host:<host>", "model:<key>", "shipped:<key>", or why it is unpriced

    @property
    def priced(self) -> bool:
        return self.hourly is not None


@dataclass(frozen=True)
class GpuPriceTable:
    """Shipped prices plus overrides, immutable; `version` is a content hash of all three."""

    shipped: Mapping[str, Decimal]
    model_overrides: Mapping[str, Decimal] = field(default_factory=dict)
    host_overrides: Mapping[str, Decimal] = field(default_factory=dict)
    currency: str = "USD"

    @property
    def version(self) -> str:
        doc = {"shipped": self.shipped, "models": self.model_overrides, "hosts": self.host_overrides,
               "currency": self.currency}
        text = json.dumps(doc, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def price(self, host_name: str, gpu_model: str) -> GpuPrice:
        """The hourly price of one `gpu_model` GPU on `host_name`, by the precedence above."""
        if host_name in self.host_overrides:
            return GpuPrice(self.host_overrides[host_name], f"host:{host_name}")
        for origin, table in (("model", self.model_overrides), ("shipped", self.shipped)):
            found = match_key(table, gpu_model)
            if isinstance(found, str) and found.startswith("ambiguous"):
                return GpuPrice(None, f"unpriced: {gpu_model!r} is {found}")
            if found is not None:
                return GpuPrice(table[found], f"{origin}:{found}")
        return GpuPrice(None, f"unpriced: no GPU price matches {gpu_model!r}")


def match_key(table: Mapping[str, Decimal], gpu_model: str) -> str | None:
    """The key of `table` that prices `gpu_model`, None if none matches, or "ambiguous: ..."."""
    name = tokens(gpu_model)
    matches = [key for key in table if tokens(key) and tokens(key) <= name]
    if not matches:
        return None
    best = max(len(tokens(key)) for key in matches)
    winners = sorted(key for key in matches if len(tokens(key)) == best)
    if len({table[key] for key in winners}) > 1:
        return f"ambiguous between {', '.join(winners)}"
    return winners[0]


def _price(value: object, where: str) -> Decimal:
    try:
        price = Decimal(str(value))
    except ArithmeticError:
        raise ConfigError(f"{where}: {value!r} is not a price") from None
    if not price.is_finite() or price < 0:
        raise ConfigError(f"{where}: price must be a non-negative number, got {value!r}")
    return price


def load_table(model_overrides: Mapping[str, object] | None = None,
               host_overrides: Mapping[str, object] | None = None,
               path: Path = SHIPPED_PATH) -> GpuPriceTable:
    """The shipped table at `path` with the user's overrides; a bad price is a ConfigError."""
    try:
        doc = yaml.safe_load(path.read_text())
        entries = doc["prices"]
        shipped = {str(e["key"]): _price(e["hourly"], f"{path.name}: {e['key']}") for e in entries}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a GPU price table: {exc}") from exc
    models = {str(k): _price(v, f"gpu.model_prices.{k}") for k, v in (model_overrides or {}).items()}
    for key in models:
        if not tokens(key):
            raise ConfigError(f"gpu.model_prices: {key!r} has no letters or digits to match a GPU model by")
    hosts = {str(k): _price(v, f"gpu.host_prices.{k}") for k, v in (host_overrides or {}).items()}
    return GpuPriceTable(shipped, models, hosts, str(doc.get("currency", "USD")))
