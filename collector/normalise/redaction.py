"""PII redaction of captured prompt and completion text: pure functions over strings.

When a project turns content capture on, the collector stores message content only after
it went through here. Each kind of PII is a regular expression, optionally followed by a
checksum that tells real identifiers from look-alikes: a card number must pass Luhn, an
IBAN the ISO 13616 mod-97 check, an IP address must parse. That keeps version numbers,
order ids, timestamps and invalid card numbers intact, which a bare regex would eat.

Patterns run in a fixed order, most specific first (tokens before emails before numbers),
so a JWT is not half-eaten by the phone pattern. Each match becomes `[REDACTED:<kind>]`,
which contains no quote or backslash and so keeps JSON-encoded content valid JSON.
Patterns are configurable: kinds may be disabled and new kinds added (settings
`content.redaction_disabled`, `content.redaction_patterns`).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache


def luhn_valid(text: str) -> bool:
    """The Luhn check of payment card numbers (separators ignored), 13 to 19 digits."""
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    compact = "".join(text.split()).upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _ip_valid(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _phone_digits_ok(text: str) -> bool:
    return 8 <= sum(c.isdigit() for c in text) <= 15


@dataclass(frozen=True)
class Pattern:
    """One shape of one kind of PII: what it looks like, and (optionally) the check a match must pass.

    `needles`: strings of which one must occur in the text for the pattern to be tried at
    all (a C-speed `in` before a Python-speed regex scan).
    """

    kind: str
    regex: str
    check: Callable[[str], bool] | None = None
    needles: tuple[str, ...] = ()


# Order matters: earlier patterns are replaced first. Speed matters too (the collector runs
# these on every captured message): a regex that starts with a literal or a character class
# lets Python's `re` jump between candidate positions, while one that starts with a
# look-behind or `\b` is tried at every character, ~3x slower. So the "not preceded by"
# conditions are written after the first character: `\d(?<![\w.].)` is "a digit not
# preceded by a word character or a dot".
_PHONE_END = r"(?![\w-])"
DEFAULT_PATTERNS: tuple[Pattern, ...] = (
    Pattern("jwt", r"eyJ(?<![\w-]eyJ)[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}", needles=("eyJ",)),
    Pattern("bearer_token", r"[Bb](?<!\w.)(?i:earer)\s+[A-Za-z0-9._~+/-]{16,}=*", needles=("earer", "EARER")),
    Pattern("api_key", r"(?:sk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,})\b",
            needles=("sk-", "AKIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    Pattern("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", needles=("@",)),
    Pattern("iban", r"[A-Z](?<!\w.)[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", iban_valid),
    Pattern("card_number", r"\d(?<![\w.-].)(?:[ -]?\d){12,18}(?![\w.-])", luhn_valid),
    Pattern("ipv6", r"[0-9A-Fa-f:](?<![\w:.].)(?:[0-9A-Fa-f]{0,4}:){1,7}[0-9A-Fa-f]{0,4}(?![\w:])", _ip_valid,
            needles=(":",)),
    Pattern("ipv4", r"\d(?<![\w.].)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w.]|\.\d)", _ip_valid, needles=(".",)),
    Pattern("phone", r"\+(?<![\w+-].)\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}" + _PHONE_END,
            _phone_digits_ok, needles=("+",)),
    Pattern("phone", r"\((?<![\w+-].)\d{3}\) ?\d{3}[ .-]\d{4}" + _PHONE_END, needles=("(",)),
    Pattern("phone", r"\d(?<![\w+-].)\d{2}[.-]\d{3}[.-]\d{4}" + _PHONE_END),
)
KINDS: tuple[str, ...] = tuple(dict.fromkeys(p.kind for p in DEFAULT_PATTERNS))


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
    """The compiled patterns of one configuration."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self._compiled = [(p.kind, re.compile(p.regex), p.check, p.needles) for p in patterns]

    def redact(self, text: str) -> Redaction:
        counts: Counter[str] = Counter()
        for kind, regex, check, needles in self._compiled:
            if needles and not any(needle in text for needle in needles):
                continue

            def replace(match: re.Match[str], kind: str = kind, check=check) -> str:
                if check is not None and not check(match.group(0)):
                    return match.group(0)
                counts[kind] += 1
                return f"[REDACTED:{kind}]"

            text = regex.sub(replace, text)
        return Redaction(text, counts)


@lru_cache(maxsize=16)
def redactor(config: RedactionConfig = RedactionConfig()) -> Redactor:
    """The redactor for a configuration, compiled once per process."""
    patterns = [p for p in DEFAULT_PATTERNS if p.kind not in config.disabled]
    patterns += [Pattern(kind, regex) for kind, regex in config.extra if kind not in config.disabled]
    return Redactor(patterns)
