"""Label matchers as Alertmanager writes them: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`.

Routes, inhibition rules and silences all select alerts by these, so they are parsed and matched in
one place. A label the alert does not have matches as the empty string (Alertmanager's rule), and
regexes are anchored at both ends (so `team=~"ml"` does not match `team="aml"`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

Op = Literal["=", "!=", "=~", "!~"]
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
# name, operator, then a double-quoted value (with \" and \\ escapes) or a bare value up to the end.
_MATCHER = re.compile(rf'^\s*({_NAME})\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s,{{}}=~][^,{{}}]*?)?)\s*$')


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(f"(?:{self.value})\\Z", re.DOTALL)

    @property
    def is_regex(self) -> bool:
        return self.op in ("=~", "!~")

    @property
    def is_equal(self) -> bool:
        return self.op in ("=", "=~")

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        hit = bool(self._regex.match(value)) if self.is_regex else value == self.value
        return hit if self.is_equal else not hit

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def parse_matcher(text: str) -> Matcher:
    """One matcher from its text; a ValueError says what is wrong with it."""
    if not isinstance(text, str):
        raise ValueError(f"a matcher is text such as severity=\"critical\", not {text!r}")
    found = _MATCHER.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a matcher such as severity=\"critical\", team!=\"ml\", "
                         "service=~\"api|web\"")
    name, op, quoted, bare = found.groups()
    value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else (bare or "").strip()
    matcher = Matcher(name, op, value)  # type: ignore[arg-type]
    if matcher.is_regex:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{text!r}: the regex does not compile: {exc}") from None
    return matcher


def parse_matchers(texts: Iterable[str]) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(t) for t in texts)


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


def render(matchers: Iterable[Matcher]) -> str:
    """`{a="1",b=~"x"}`: how Alertmanager prints a matcher list (route and group keys use it)."""
    return "{" + ",".join(str(m) for m in matchers) + "}"
