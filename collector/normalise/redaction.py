"""PII redaction of captured prompt and completion text: pure functions over strings.

When a project turns content capture on, the collector stores message content only after
it went through here. Each kind of PII is a regular expression (collector/normalise/pii_patterns.py,
with the source of each), optionally followed by a check that tells real identifiers from
look-alikes (collector/normalise/pii_checks.py): a card number must pass Luhn, an IBAN the ISO
13616 mod-97 check, an SSN the SSA's issuing rules, a key enough entropy to not be a placeholder.
That keeps version numbers, order ids, timestamps and invalid numbers intact, which a bare regex
would eat. The recall and false positives of every kind are measured on a labelled corpus
(tests/helpers/pii_corpus.py; docs/redaction.md has the table).

Patterns run in a fixed order, most specific first (credentials and tokens before emails
before numbers), so a JWT is not half-eaten by the phone pattern. Each match becomes `[REDACTED:<kind>]`,
which contains no quote or backslash and so keeps JSON-encoded content valid JSON.
Patterns are configurable: kinds may be disabled and new kinds added (settings
`content.redaction_disabled`, `content.redaction_patterns`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from collector.normalise.pii_patterns import DEFAULT_PATTERNS, KINDS, Pattern

__all__ = ["KINDS", "Redaction", "RedactionConfig", "Redactor", "redactor"]


@dataclass(frozen=True)
class RedactionConfig:
    """Which kinds are off, and extra kinds (name -> regex) appended after the built-in ones.

    Frozen and hashable: it travels to the decode worker processes with each request and
    keys the cache of compiled redactors there.
    """

    disabled: frozenset[str] = frozenset()
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, disabled: Iterable[str] = (), extra: Mapping[str, str] | None = None) -> RedactionConfig:
        """Validated: an unknown kind to disable or an extra pattern that does not compile is a ValueError."""
        unknown = set(disabled) - set(KINDS) - set(extra or {})
        if unknown:
            raise ValueError(f"unknown redaction kinds {sorted(unknown)}; built-in: {', '.join(KINDS)}")
        for kind, regex in (extra or {}).items():
            try:
                re.compile(regex)
            except re.error as exc:
                raise ValueError(f"redaction pattern {kind!r} is not a valid regular expression: {exc}") from None
        return cls(frozenset(disabled), tuple(sorted((extra or {}).items())))


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many matches of each kind were replaced."""

    text: str
    counts: Counter[str]


class Redactor:
    """The compiled patterns of one configuration.

    Most patterns find nothing in most messages, so each costs one needle test and one `search`; the
    replacement (a Python callback per match) runs only for the patterns that found something.
    """

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self._compiled = [(p.kind, re.compile(p.regex), p.check, p.needles) for p in patterns]

    def redact(self, text: str) -> Redaction:
        counts: Counter[str] = Counter()
        for kind, regex, check, needles in self._compiled:
            if needles and not any(map(text.__contains__, needles)):
                continue
            if regex.search(text) is None:
                continue
            part = "secret" if "secret" in regex.groupindex else 0

            def replace(match: re.Match[str], kind: str = kind, check=check, part: int | str = part) -> str:
                if check is not None and not check(match.group(part)):
                    return match.group(0)
                counts[kind] += 1
                if part == 0:
                    return f"[REDACTED:{kind}]"
                start, end = match.start(part) - match.start(), match.end(part) - match.start()
                return f"{match.group(0)[:start]}[REDACTED:{kind}]{match.group(0)[end:]}"

            text = regex.sub(replace, text)
        return Redaction(text, counts)


@lru_cache(maxsize=16)
def redactor(config: RedactionConfig = RedactionConfig()) -> Redactor:
    """The redactor for a configuration, compiled once per process."""
    patterns = [p for p in DEFAULT_PATTERNS if p.kind not in config.disabled]
    patterns += [Pattern(kind, regex) for kind, regex in config.extra if kind not in config.disabled]
    return Redactor(patterns)
