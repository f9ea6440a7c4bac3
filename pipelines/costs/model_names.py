"""Model names as they arrive, and the (provider, name) pairs the catalog is searched for, in order.

Calls name models the way their route spells them, not the way a price list does:
- Bedrock ids carry a cross-region prefix: `us.anthropic.claude-sonnet-4-5-20250929-v1:0`;
- gateways (OpenRouter, LiteLLM) prefix the vendor: `openai/gpt-4o`, `anthropic/claude-sonnet-4.5`,
  `openrouter/anthropic/claude-sonnet-4.5`, and OpenRouter writes versions with dots;
- Azure OpenAI calls carry the deployment name the user chose (`prod-4o`), mapped to the
  model it serves by the user's `deployments`;
- dated snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`, Vertex's `...@20250929`).
`candidates` lists what to look up, most specific first: the name as sent before any
shortened form, the call's own provider (or gateway) before the vendor behind a gateway
name. The first pair that any entry prices wins, so an entry written for the exact name
(a regional Bedrock price, a gateway's own price, one snapshot's price) always beats the
general one. Pure; `pricing.match` calls it once per distinct (provider, model).

`basis` says which kind of price it is, and is recorded on the cost row: `provider` (the
call's provider's own list), `gateway` (the gateway's own entry) or `vendor` (the vendor's
list price, for a gateway name whose gateway has no entry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from store.providers import GATEWAYS, canonical, is_known

Basis = Literal["provider", "gateway", "vendor"]

# Providers whose calls are priced from another provider's entries when they have none of their own.
# gcp.gen_ai is the Google GenAI SDK whatever its backend: Gemini API list prices (Vertex lists the same).
PRICED_AS = {"gcp.gen_ai": ("gcp.gemini",)}
AZURE = frozenset({"azure.ai.openai", "azure.ai.inference"})
_REGION = re.compile(r"^(?:us|eu|apac|ap|jp|au|ca|us-gov|global)\.(?=[a-z0-9-]+\.)")
_SNAPSHOT = re.compile(r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|@latest)$")
_DOTTED_VERSION = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class Candidate:
    """One (provider, model name) to look up, and how it was derived from the call's."""

    provider: str
    model: str
    basis: Basis
    how: str  # "" for the name as sent; else e.g. "without the region prefix us."


def price_providers(provider: str) -> tuple[str, ...]:
    """Whose entries price a provider's calls: its own, then those it is priced as."""
    return (provider, *PRICED_AS.get(provider, ()))


def _then(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _forms(provider: str, model: str, deployments: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, how) forms of one provider's model name: as sent (or its deployment's model), then shortened."""
    name, how = (deployments[model], f"deployment {model}") if provider in AZURE and model in deployments \
        else (model, "")
    forms = [(name, how)]
    region = _REGION.match(name) if provider == "aws.bedrock" else None
    if region:
        name, how = name[region.end():], _then(how, f"without the region prefix {region.group()}")
        forms.append((name, how))
    snapshot = _SNAPSHOT.search(name)
    if snapshot and snapshot.start() > 0:
        forms.append((name[:snapshot.start()], _then(how, f"without the snapshot {snapshot.group()}")))
    return forms


def _gateway_split(provider: str, model: str) -> tuple[str | None, str]:
    """(the gateway named by the call or the name's first segment, the rest of the name)."""
    head, _, rest = model.partition("/")
    if rest and canonical(head) in GATEWAYS:
        return canonical(head), rest
    return (provider if provider in GATEWAYS else None), model


def candidates(provider: str, model: str, deployments: Mapping[str, str] | None = None) -> list[Candidate]:
    """Every (provider, name) to look up for a call, most specific first, without repeats."""
    provider, deployments = canonical(provider), deployments or {}
    out: list[Candidate] = []
    own: Basis = "gateway" if provider in GATEWAYS else "provider"
    for p in price_providers(provider):
        out += [Candidate(p, name, own, how) for name, how in _forms(p, model, deployments)]
    gateway, rest = _gateway_split(provider, model)
    if gateway and gateway != provider:
        out.append(Candidate(gateway, rest, "gateway", f"the gateway's name {rest}"))
    vendor, _, name = rest.partition("/")
    if name and is_known(vendor) and canonical(vendor) not in GATEWAYS:
        for p in price_providers(canonical(vendor)):
            for form, how in _forms(p, name, deployments):
                out.append(Candidate(p, form, "vendor", _then(f"the vendor's name {form}", how)))
                dashed = _DOTTED_VERSION.sub("-", form) if p == "anthropic" else form  # OpenRouter: 4.5 for 4-5
                if dashed != form:
                    out.append(Candidate(p, dashed, "vendor", f"the vendor's name {dashed}"))
    unique: dict[tuple[str, str], Candidate] = {}
    for c in out:
        unique.setdefault((c.provider, c.model.casefold()), c)
    return list(unique.values())


def _suggestion(found: list[Candidate]) -> Candidate:
    """The entry to suggest: the vendor's (or the call's own) last provider in line, under the name's
    region-free form (one Bedrock entry covers every region), else the name as sent."""
    vendor = [c for c in found if c.basis == "vendor"]
    pool = vendor or [c for c in found if "the gateway's name" not in c.how]
    last = [c for c in pool if c.provider == pool[-1].provider]
    regional = [c for c in last if "region prefix" in c.how and "snapshot" not in c.how]
    return (regional or last)[0]


def suggested_entry(provider: str, model: str, deployments: Mapping[str, str] | None = None) -> Candidate | None:
    """The (provider, name) an entry should have to price such calls; None when the call names no model."""
    return _suggestion(candidates(provider, model, deployments)) if model else None


def missing_entry(provider: str, model: str, deployments: Mapping[str, str] | None = None) -> str:
    """Why no entry prices a call, and what to add (the `reason` of its unpriced cost row)."""
    provider = canonical(provider)
    if not model:
        return "no price entry: the call names no model (request or response model)"
    found = candidates(provider, model, deployments)
    target = _suggestion(found)
    reason = f"no price entry for {provider} model {model}: add one with provider: {target.provider}, " \
             f"models: [{target.model}]"
    gateway = next((c for c in reversed(found) if c.basis == "gateway"), None)
    if target.basis == "vendor":
        reason += " (the vendor's list price)"
        if gateway:
            reason += f", or provider: {gateway.provider}, models: [{gateway.model}] (the gateway's own price)"
    if provider in AZURE and model not in (deployments or {}):
        reason += f"; or, if {model} is an Azure deployment name, map it to its model in `deployments`"
    if not is_known(provider):
        reason += f"; {provider!r} is not a provider name Spyglass knows (store/providers.py)"
    return reason
