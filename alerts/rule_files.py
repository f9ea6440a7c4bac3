"""Reading rule files: YAML with a top-level `rules:` list, each rule with the line it starts on.

Kept apart from the rule model so that every problem can name its place (`rules.yaml:12:`),
which `yaml.safe_load` forgets: the file is composed into nodes once, and each rule keeps the
line of its first key and of each of its keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class RawRule:
    """One item of a file's `rules:` list, before validation."""

    data: Any
    file: str
    line: int
    key_lines: dict[str, int]

    @property
    def name(self) -> str | None:
        name = self.data.get("name") if isinstance(self.data, dict) else None
        return name if isinstance(name, str) else None

    def where(self, key: str | None = None) -> str:
        """`file:line` of the rule, or of one of its keys (`annotations.summary`, else `annotations`) if present."""
        line = self.line
        if key:
            line = self.key_lines.get(key, self.key_lines.get(key.split(".")[0], self.line))
        return f"{self.file}:{line}"


def _plain(node: yaml.Node) -> Any:
    return yaml.SafeLoader(yaml.serialize(node)).get_single_data() if node is not None else None


def read_rule_file(path: Path) -> tuple[list[RawRule], list[str]]:
    """The raw rules of one file and the problems that stop it from being read at all (file:line: why)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [], [f"{path}: cannot read: {exc.strerror or exc}"]
    return read_rule_text(text, str(path))


def read_rule_text(text: str, path: str) -> tuple[list[RawRule], list[str]]:
    """As read_rule_file, for the text of a file called `path` (a rule file sent to the backtest API)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [f"{path}{line}: not valid YAML: {problem}"]
    if root is None:
        return [], [f"{path}: empty file; expected a top-level `rules:` list"]
    if not isinstance(root, yaml.MappingNode):
        return [], [f"{path}:{root.start_mark.line + 1}: expected a mapping with a top-level `rules:` list"]
    top = {key.value: (key, value) for key, value in root.value}
    unknown = sorted(set(top) - {"rules"})
    if unknown:
        key = top[unknown[0]][0]
        return [], [f"{path}:{key.start_mark.line + 1}: unknown top-level key {unknown[0]!r}; a rule file has "
                    "only `rules:`"]
    if "rules" not in top:
        return [], [f"{path}: no top-level `rules:` list"]
    key, rules = top["rules"]
    if isinstance(rules, yaml.ScalarNode) and rules.value in ("", "~", "null"):
        return [], []
    if not isinstance(rules, yaml.SequenceNode):
        return [], [f"{path}:{key.start_mark.line + 1}: `rules:` must be a list of rules"]
    return [RawRule(_plain(item), str(path), item.start_mark.line + 1, _key_lines(item)) for item in rules.value], []


def _key_lines(item: yaml.Node) -> dict[str, int]:
    """The line of each key of a rule, and of each key one level below (`annotations.summary`)."""
    lines: dict[str, int] = {}
    if not isinstance(item, yaml.MappingNode):
        return lines
    for key, value in item.value:
        lines[str(key.value)] = key.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            lines.update({f"{key.value}.{sub.value}": sub.start_mark.line + 1 for sub, _ in value.value})
    return lines
