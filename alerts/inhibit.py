"""Inhibition: while a source alert fires, target alerts with the same values of the `equal` labels stay quiet.

The classic use: a firing critical alert about a service mutes the warnings about that service
(`source_matchers: [severity="critical"]`, `target_matchers: [severity="warning"]`,
`equal: [service]`). Alertmanager's semantics: only firing alerts inhibit; a label missing on
both sides counts as equal (empty); an alert that matches both sides of a rule cannot be
inhibited through that rule by another alert that also matches both sides (no mutual muting).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alerts.model import fingerprint
from store.matchers import Matcher, matches_all, parse_matcher


class InhibitRuleConfig(BaseModel):
    """One entry of `alerts.inhibit_rules`."""

    model_config = ConfigDict(extra="forbid")

    source_matchers: list[str] = Field(min_length=1, description="What the inhibiting (firing) alert matches.")
    target_matchers: list[str] = Field(min_length=1, description="What the inhibited alerts match.")
    equal: list[str] = Field(default_factory=list, description="Labels whose values must be equal on both.")

    @field_validator("source_matchers", "target_matchers")
    @classmethod
    def _matchers(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_matcher(text)
        return value


@dataclass(frozen=True)
class InhibitRule:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @classmethod
    def of(cls, config: InhibitRuleConfig) -> InhibitRule:
        return cls(tuple(parse_matcher(m) for m in config.source_matchers),
                   tuple(parse_matcher(m) for m in config.target_matchers), tuple(config.equal))


class Inhibitor:
    """The inhibition rules against the alerts firing now; answers which of them mute a given alert."""

    def __init__(self, rules: Sequence[InhibitRule], firing: Iterable[Mapping[str, str]]) -> None:
        self._rules = rules
        alerts = list(firing)
        self._sources = [[labels for labels in alerts if matches_all(rule.source, labels)] for rule in rules]

    def inhibited_by(self, labels: Mapping[str, str]) -> list[str]:
        """Fingerprints of the firing alerts that inhibit an alert with `labels` (empty: not inhibited)."""
        found: list[str] = []
        for rule, sources in zip(self._rules, self._sources, strict=True):
            if not matches_all(rule.target, labels):
                continue
            two_sided = matches_all(rule.source, labels)
            for source in sources:
                if any(source.get(name, "") != labels.get(name, "") for name in rule.equal):
                    continue
                if two_sided and matches_all(rule.target, source):
                    continue
                found.append(fingerprint(dict(source)))
        return sorted(set(found))
