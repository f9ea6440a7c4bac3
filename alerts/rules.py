"""Alert rules: what to watch (a detector with its params, or a read-only SQL query), how long before it
fires, how it is labelled and described, and which runbook answers it.

Rules come from YAML files (the shipped `alerts/rules/*.yaml`, then the user's `rule_files`) and
are validated as a whole into an immutable `RuleSet` with a content-hash `version`. Every
problem is one line that starts with `file:line:` — unknown detector, bad parameter, bad
duration, bad template, a `sql:` query that does not parse or has no `value` column — and all
of them are reported at once (`spyglass rules check`, and the service at start).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alerts.durations import duration_field
from alerts.rule_files import RawRule, read_rule_file, read_rule_text
from alerts.templates import Template, TemplateError, compile_template
from runbooks.library import Library, check_reference
from store.errors import ConfigError

SHIPPED_DIR = Path(__file__).with_name("rules")
RESERVED_LABELS = ("alertname", "severity")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*$")
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RUNBOOK = re.compile(r"^[a-z0-9][a-z0-9-]*(@[A-Za-z0-9._-]+)?$")

# A detector as the engine uses it (detectors/base.py's Detector has this shape): `params(raw)` validates a
# rule's params (ValueError says what is wrong); the rest is used by alerts/evaluation.py.
DetectorLookup = Mapping[str, Any]
SqlProbe = Callable[[str], None]  # raises ValueError saying why the query cannot be a rule
# Per detector, params every rule of it gets unless it sets them itself (from the settings: the configured budgets).
ParamDefaults = Mapping[str, Mapping[str, Any]]


class RuleError(ConfigError):
    """Rule files that cannot be used; `problems` has one `file:line: message` per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class _RuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    detector: str | None = None
    params: dict[str, Any] | None = None
    sql: str | None = None
    for_: timedelta = Field(timedelta(0), alias="for")
    keep_firing_for: timedelta = timedelta(0)
    severity: Literal["critical", "warning", "info"] = "warning"
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    runbook: str | None = None
    group_by: list[str] | None = None

    _durations = field_validator("for_", "keep_firing_for", mode="before")(duration_field)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not a rule name: letters, digits, _ . : - (starting with a letter)")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name in RESERVED_LABELS:
                raise ValueError(f"{name} is set by the rule itself (its name and severity), not in labels")
            if not _LABEL.match(name):
                raise ValueError(f"{name!r} is not a label name (letters, digits and _)")
        return value

    @field_validator("runbook")
    @classmethod
    def _runbook(cls, value: str | None) -> str | None:
        if value is not None and not _RUNBOOK.match(value):
            raise ValueError(f"{value!r} is not a runbook id such as cost-spike or cost-spike@3")
        return value


@dataclass(frozen=True)
class Rule:
    """One validated rule; `params` is the detector's own typed params (None for a `sql:` rule)."""

    name: str
    file: str
    line: int
    for_: timedelta
    keep_firing_for: timedelta
    severity: str
    detector: str | None = None
    params: Any = None
    raw_params: Mapping[str, Any] = field(default_factory=dict)
    sql: str | None = None
    labels: Mapping[str, Template] = field(default_factory=dict)
    annotations: Mapping[str, Template] = field(default_factory=dict)
    runbook: str | None = None
    group_by: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        return f"detector {self.detector}" if self.detector else "sql"


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    files: tuple[str, ...]
    version: str

    def by_name(self) -> dict[str, Rule]:
        return {rule.name: rule for rule in self.rules}


def _who(raw: RawRule) -> str:
    return f"rule {raw.name}: " if raw.name else ""


def _pydantic_problems(raw: RawRule, error: ValidationError) -> list[str]:
    out = []
    for e in error.errors():
        path = ".".join("for" if p == "for_" else str(p) for p in e["loc"])
        message = str(e["msg"]).removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown field"
        out.append(f"{raw.where(path)}: {_who(raw)}{path}: {message}" if path else f"{raw.where()}: {message}")
    return out


def _templates(raw: RawRule, key: str, texts: Mapping[str, str], problems: list[str]) -> dict[str, Template]:
    out = {}
    for name, text in texts.items():
        try:
            out[name] = compile_template(text)
        except TemplateError as exc:
            problems.append(f"{raw.where(f'{key}.{name}')}: {_who(raw)}{key}.{name}: {exc}")
    return out


def _rule(raw: RawRule, detectors: DetectorLookup, probe: SqlProbe | None, defaults: ParamDefaults,
          problems: list[str]) -> Rule | None:
    if not isinstance(raw.data, dict):
        problems.append(f"{raw.where()}: a rule is a mapping with name, detector or sql, for, ...")
        return None
    try:
        config = _RuleConfig.model_validate(raw.data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(raw, exc))
        return None
    where = f"rule {config.name}"
    before = len(problems)
    params, raw_params = None, dict(config.params or {})
    if (config.detector is None) == (config.sql is None):
        problems.append(f"{raw.where()}: {where}: give either `detector:` (with `params:`) or `sql:`")
    elif config.detector is not None:
        detector = detectors.get(config.detector)
        if detector is None:
            known = ", ".join(sorted(detectors)) or "none"
            problems.append(f"{raw.where('detector')}: {where}: unknown detector {config.detector!r} (known: {known})")
        else:
            raw_params = {**defaults.get(config.detector, {}), **raw_params}
            try:
                params = detector.params(raw_params)
            except ValueError as exc:
                problems.append(f"{raw.where('params')}: {where}: {exc}")
    else:
        if config.params is not None:
            problems.append(f"{raw.where('params')}: {where}: `params:` belongs to detector rules; a sql rule "
                            "takes {now:DateTime64(9)} and {interval:UInt32}")
        elif probe is not None:
            try:
                probe(config.sql or "")
            except ValueError as exc:
                problems.append(f"{raw.where('sql')}: {where}: sql: {exc}")
    labels = _templates(raw, "labels", config.labels, problems)
    annotations = _templates(raw, "annotations", config.annotations, problems)
    if len(problems) > before:
        return None
    return Rule(config.name, raw.file, raw.line, config.for_, config.keep_firing_for, config.severity,
                config.detector, params, raw_params, config.sql, labels, annotations, config.runbook,
                tuple(config.group_by) if config.group_by is not None else None)


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))


def check_rules(paths: Iterable[Path | str], detectors: DetectorLookup, probe: SqlProbe | None = None,
                defaults: ParamDefaults | None = None) -> tuple[list[Rule], list[str]]:
    """Every rule of `paths` that is valid, and one `file:line: message` per problem (duplicates included)."""
    return _checked([read_rule_file(Path(path)) for path in paths], detectors, probe, defaults or {})


def runbook_problems(rules: Iterable[Rule], library: Library) -> list[str]:
    """One `file:line: ...` per rule whose `runbook:` names no runbook of `library` (rules check fails on it)."""
    return [f"{rule.file}:{rule.line}: rule {rule.name}: runbook: {problem}" for rule in rules
            if rule.runbook and (problem := check_reference(rule.runbook, library))]


def check_text(text: str, name: str, detectors: DetectorLookup, probe: SqlProbe | None = None,
               defaults: ParamDefaults | None = None) -> tuple[list[Rule], list[str]]:
    """As check_rules, for the text of one rule file called `name`."""
    return _checked([read_rule_text(text, name)], detectors, probe, defaults or {})


def _checked(files: Iterable[tuple[list[RawRule], list[str]]], detectors: DetectorLookup, probe: SqlProbe | None,
             defaults: ParamDefaults) -> tuple[list[Rule], list[str]]:
    rules: list[Rule] = []
    problems: list[str] = []
    seen: dict[str, RawRule] = {}
    for raws, file_problems in files:
        problems.extend(file_problems)
        for raw in raws:
            if raw.name is not None and raw.name in seen:
                problems.append(f"{raw.where('name')}: rule {raw.name} is already defined at {seen[raw.name].where()}")
                continue
            if raw.name is not None:
                seen[raw.name] = raw
            rule = _rule(raw, detectors, probe, defaults, problems)
            if rule is not None:
                rules.append(rule)
    return rules, problems


def load_rules(paths: Sequence[Path | str], detectors: DetectorLookup, probe: SqlProbe | None = None,
               defaults: ParamDefaults | None = None) -> RuleSet:
    """The rules of `paths`, in order; a RuleError lists every problem if any file has one."""
    rules, problems = check_rules(paths, detectors, probe, defaults)
    if problems:
        raise RuleError(problems)
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return RuleSet(tuple(rules), tuple(str(p) for p in paths), digest.hexdigest()[:12])
