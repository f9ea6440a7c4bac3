"""One runbook file: YAML front matter (what it is, which version, what it applies to, which diagnostics run)
and a markdown body whose checklist (`- [ ] ...`) is its numbered steps.

Parsing is pure (text in, `Runbook` out) and reports every problem at once, each as `file:line: why`:
the front matter is composed into YAML nodes once so that a validation error finds the line of the key
it is about. The front matter is split here rather than by python-frontmatter, which loses those lines.
The file's exact text (front matter included) is what a version means: it is hashed and stored as is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import semver
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from store.errors import ConfigError
from store.matchers import Matcher, matches_all, parse_matcher
from store.queries.diagnostics import REGISTRY, WINDOW, Diagnostic

ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_SOURCE = re.compile(r"^(labels\.[A-Za-z_][A-Za-z0-9_.]*|window\.(since|until))$")
_FENCE = "---"
_CHECKBOX = re.compile(r"^[-*+] \[[ xX]\] (?P<text>.*)$")


class RunbookError(ConfigError):
    """A runbook file (or the set of them) cannot be used; `problems` are the `file:line: why` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiagnosticRef(_Strict):
    """One diagnostic a runbook runs: a query of the catalog and where each of its parameters comes from."""

    query: str
    params: dict[str, str] = Field(default_factory=dict)

    @field_validator("params")
    @classmethod
    def _sources(cls, value: dict[str, str]) -> dict[str, str]:
        for name, source in value.items():
            if not isinstance(source, str) or not _SOURCE.match(source):
                raise ValueError(f"{name}: {source!r} is not labels.<name>, window.since or window.until")
        return value


class AppliesTo(_Strict):
    """Which alerts a runbook answers: alert names, label matchers (Alertmanager syntax), or both."""

    alerts: list[str] = Field(default_factory=list)
    matchers: list[str] = Field(default_factory=list)

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_matcher(text)
        return value

    @model_validator(mode="after")
    def _something(self) -> AppliesTo:
        if not self.alerts and not self.matchers:
            raise ValueError("name alert names (alerts: [...]) or label matchers (matchers: [...]), or both")
        return self

    def parsed_matchers(self) -> tuple[Matcher, ...]:
        return tuple(parse_matcher(m) for m in self.matchers)


class FrontMatter(_Strict):
    id: str
    title: str = Field(min_length=1)
    version: str
    owners: list[str] = Field(min_length=1)
    applies_to: AppliesTo
    severity: Literal["info", "warning", "critical"]
    diagnostics: list[DiagnosticRef] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID.match(value):
            raise ValueError(f"{value!r} is not a runbook id: lower-case letters, digits and dashes, such as "
                             "cost-spike")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        if not isinstance(value, str) or not semver.Version.is_valid(value):
            raise ValueError(f"{value!r} is not a semantic version such as 1.2.0 (three numbers; YAML reads 1.0 "
                             "as a number)")
        return value

    @field_validator("owners")
    @classmethod
    def _owners(cls, value: list[str]) -> list[str]:
        if any(not owner.strip() for owner in value):
            raise ValueError("an owner is a team or a person, not an empty name")
        return value


@dataclass(frozen=True)
class Step:
    number: int
    text: str
    line: int


@dataclass(frozen=True)
class Runbook:
    """A parsed runbook file: its front matter, its steps, and its exact text with that text's SHA-256."""

    meta: FrontMatter
    steps: tuple[Step, ...]
    text: str
    path: str

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def sha256(self) -> str:
        return content_sha256(self.text)

    def applies(self, alertname: str, labels: Mapping[str, str]) -> bool:
        """Whether this runbook answers an alert: its name is listed, or its labels match every matcher."""
        a = self.meta.applies_to
        return alertname in a.alerts or bool(a.matchers) and matches_all(a.parsed_matchers(), labels)


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str, path: str, queries: Mapping[str, Diagnostic] | None = REGISTRY) -> Runbook:
    """The runbook in `text` (the file at `path`), or a RunbookError listing every problem with its line.

    `queries` is the diagnostic catalog the names are checked against; None skips that check (a stored old
    version may name a query this release no longer has: running it says so instead)."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != _FENCE:
        raise RunbookError([f"{path}:1: a runbook starts with YAML front matter between two '---' lines"])
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() == _FENCE), None)
    if end is None:
        raise RunbookError([f"{path}:1: the front matter has no closing '---' line"])
    meta, problems = _front_matter("\n".join(lines[1:end]), path)
    if meta is not None and queries is not None:
        problems += [f"{path}:{line}: {why}" for line, why in _diagnostic_problems(meta[0], meta[1], queries)]
    steps = _steps(lines, end + 1)
    if not steps:
        problems.append(f"{path}:{end + 2}: no steps: a runbook's steps are a markdown checklist ('- [ ] ...')")
    if problems or meta is None:
        raise RunbookError(problems)
    return Runbook(meta[0], steps, text, path)


def _front_matter(source: str, path: str) -> tuple[tuple[FrontMatter, yaml.Node] | None, list[str]]:
    """The validated front matter and its YAML root node, or the problems (lines counted in the file)."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 2}" if mark else f"{path}:2"
        return None, [f"{where}: front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}"]
    if not isinstance(root, yaml.MappingNode):
        return None, [f"{path}:2: the front matter must be a mapping (id:, title:, version:, ...)"]
    data = yaml.SafeLoader(yaml.serialize(root)).get_single_data()
    try:
        return (FrontMatter.model_validate(data), root), []
    except ValidationError as exc:
        return None, [f"{path}:{_line_of(root, e['loc'])}: {_where(e['loc'])}{_message(e)}" for e in exc.errors()]


def _diagnostic_problems(meta: FrontMatter, root: yaml.Node,
                         queries: Mapping[str, Diagnostic]) -> list[tuple[int, str]]:
    """Each diagnostic names a query of the catalog, maps only parameters it has and every one it requires,
    the window parameters from the window and the others from labels."""
    problems = []
    for i, ref in enumerate(meta.diagnostics):
        line = _line_of(root, ("diagnostics", i, "query"))
        query = queries.get(ref.query)
        if query is None:
            problems.append((line, f"diagnostics[{i}]: no diagnostic query named {ref.query!r} (known: "
                                   f"{', '.join(sorted(queries))})"))
            continue
        for name, source in ref.params.items():
            at = _line_of(root, ("diagnostics", i, "params", name))
            if name not in query.parameters:
                problems.append((at, f"diagnostics[{i}]: {ref.query} has no parameter {name!r} (it takes "
                                     f"{', '.join(query.parameters)})"))
            elif (name in WINDOW) != source.startswith("window."):
                want = "window.since or window.until" if name in WINDOW else "a label (labels.<name>)"
                problems.append((at, f"diagnostics[{i}]: {ref.query} parameter {name} comes from {want}, "
                                     f"not {source}"))
        missing = [name for name in query.required if name not in ref.params]
        if missing:
            mappings = ", ".join(f"{n}: {'window' if n in WINDOW else 'labels'}.{n}" for n in missing)
            problems.append((line, f"diagnostics[{i}]: {ref.query} needs {', '.join(missing)} mapped ({mappings})"))
    return problems


def _steps(lines: list[str], first: int) -> tuple[Step, ...]:
    """The checklist items of the body, numbered. Indented lines below an item (text, nested bullets, an
    indented code block) continue it; a paragraph at the margin ends it; fenced code at the margin is skipped
    (an example checklist in it is not a step)."""
    steps: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    fence: str | None = None  # "step": a code block inside the current item; "body": one at the margin
    for number, line in enumerate(lines[first:], first + 1):
        indented = line[:1] in (" ", "\t")
        if line.lstrip().startswith("```"):
            if fence is None:
                fence = "step" if current is not None and indented else "body"
                current = current if fence == "step" else None
            else:
                fence = None
            if current is not None:
                current.append(line.strip())
            continue
        item = None if fence else _CHECKBOX.match(line)
        if item:
            current = [item["text"].strip()]
            steps.append((number, current))
        elif current is not None and (fence == "step" or indented and line.strip()):
            current.append(line.strip())
        elif line.strip() and fence is None:
            current = None
    return tuple(Step(n, "\n".join(parts), line) for n, (line, parts) in enumerate(steps, 1))


def _line_of(root: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The file line of the key or item at `loc` (a pydantic error location), or of its deepest existing
    parent (a missing key: the mapping that lacks it)."""
    node, line = root, root.start_mark.line
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == part), None)
            if found is None:
                break
            node, line = found[1], found[0].start_mark.line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 2


def _where(loc: tuple[Any, ...]) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return f"{path}: " if path else ""


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required"
    return str(error["msg"]).removeprefix("Value error, ")
