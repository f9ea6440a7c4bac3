"""Annotation and label templates in the syntax Prometheus users know: `{{ $labels.service }}`, `{{ $value }}`.

A small, safe subset of Go's text/template, compiled when a rule file loads (so a typo is a
file:line error, not a broken page at 3 a.m.) and rendered per alert instance. Nothing in a
template can run code: it can read the instance's data and call the functions listed below.

- data: `$labels.<name>`, `$value`, `$threshold`, `$evidence.<key>[.<key>...]`, and the dot
  forms `.Labels.<name>`, `.Value`; `index $labels "service.name"` for names with dots;
- literals: "strings" and numbers; pipelines: `$value | humanize`, `printf "%.2f" $value`;
- functions: humanize, humanizePercentage, humanizeDuration, printf, toUpper, toLower, title, index;
- `{{- ... -}}` trims the white space beside an action; `{{/* comments */}}` render nothing.
A label that is missing renders as the empty string.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

_ACTION = re.compile(r"{{(-\s)?(.*?)(\s-)?}}", re.DOTALL)
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(\|)|(\$[A-Za-z_]\w*(?:\.\w+)*)'
                    r'|(\.[A-Za-z_]\w*(?:\.\w+)*)|([A-Za-z_]\w*))')
_VARIABLES = {"$labels": "labels", "$value": "value", "$threshold": "threshold", "$evidence": "evidence",
              ".Labels": "labels", ".Value": "value"}


class TemplateError(ValueError):
    """A template that cannot be compiled; the message names the action and the problem."""


@dataclass(frozen=True)
class TemplateData:
    """What a template can read about one alert instance."""

    labels: Mapping[str, str] = field(default_factory=dict)
    value: float | None = None
    threshold: float | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def plain(value: Any) -> str:
    """A value as text: numbers without noise (`0.3`, `12`, `1e-07`), missing as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value).replace("inf", "+Inf").replace("nan", "NaN").replace("-+", "-")
        return f"{value:.15g}"
    return str(value)


def humanize(value: Any) -> str:
    """SI prefixes, four significant digits, as Prometheus' `humanize`: 1234567 -> 1.235M, 0.012 -> 12m."""
    v = _number(value)
    if v == 0 or math.isnan(v) or math.isinf(v):
        return f"{v:.4g}"
    prefixes, step = (["", "k", "M", "G", "T", "P", "E", "Z", "Y"], 1 / 1000) if abs(v) >= 1 else \
        (["", "m", "u", "n", "p", "f", "a", "z", "y"], 1000)
    index = 0
    while index < len(prefixes) - 1 and (abs(v) >= 1000 if step < 1 else abs(v) < 1):
        v, index = v * step, index + 1
    return f"{v:.4g}{prefixes[index]}"


def humanize_percentage(value: Any) -> str:
    return f"{_number(value) * 100:.4g}%"


def humanize_duration(value: Any) -> str:
    """Seconds as `1d 2h 3m 4s` (whole seconds), or `250ms` below a second, as Prometheus prints them."""
    v = _number(value)
    if math.isnan(v) or math.isinf(v):
        return f"{v:.4g}"
    if abs(v) < 1:
        for unit, size in (("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
            if abs(v) >= size or unit == "ns":
                return f"{v / size:.4g}{unit}" if v else "0s"
    sign, rest = ("-" if v < 0 else ""), int(abs(v))
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return sign + " ".join(f"{n}{unit}" for n, unit in parts)


def _decimal(value: Any) -> Any:
    """Evidence carries money as decimal strings ("48.9850971"): `printf "%.2f"` formats them as numbers."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _printf(fmt: Any, *args: Any) -> str:
    text = str(fmt).replace("%v", "%s")
    if "%s" in text:
        return text % tuple(plain(a) if isinstance(a, float) else a for a in args)
    return text % tuple(_decimal(a) for a in args)


def _index(container: Any, key: Any) -> Any:
    return container.get(str(key)) if isinstance(container, Mapping) else None


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "humanize": humanize, "humanizePercentage": humanize_percentage, "humanizeDuration": humanize_duration,
    "printf": _printf, "toUpper": lambda s: plain(s).upper(), "toLower": lambda s: plain(s).lower(),
    "title": lambda s: plain(s).title(), "index": _index,
}


@dataclass(frozen=True)
class _Ref:
    """A data reference: a variable and the keys below it."""

    root: str
    path: tuple[str, ...]

    def read(self, data: TemplateData) -> Any:
        value: Any = getattr(data, self.root)
        for key in self.path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value


@dataclass(frozen=True)
class _Command:
    function: str | None  # None: the command is one operand
    args: tuple[Any, ...]  # literals and _Refs


def _operand(arg: Any, data: TemplateData) -> Any:
    return arg.read(data) if isinstance(arg, _Ref) else arg


def _tokens(source: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        found = _TOKEN.match(source, pos)
        if not found:
            raise TemplateError(f"unexpected {source[pos:].strip()[:20]!r}")
        kinds = ("string", "number", "pipe", "variable", "field", "name")
        out.append(next((kind, text) for kind, text in zip(kinds, found.groups(), strict=True) if text is not None))
        pos = found.end()
    return out


def _argument(kind: str, text: str) -> Any:
    if kind == "string":
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text[1:-1])
    if kind == "number":
        return float(text) if any(c in text for c in ".eE") else int(text)
    sigil, name, rest = text[0], *text[1:].partition(".")[::2]  # "$labels.a.b" -> "$", "labels", "a.b"
    head = sigil + name
    if head not in _VARIABLES:
        known = "$labels, $value, $threshold, $evidence, .Labels, .Value"
        raise TemplateError(f"unknown variable {head}; known: {known}")
    root = _VARIABLES[head]
    path = tuple(rest.split(".")) if rest else ()
    if path and root in ("value", "threshold"):
        raise TemplateError(f"{text}: {head} is a number and has no fields")
    return _Ref(root, path)


def _compile_action(source: str) -> list[_Command]:
    commands: list[_Command] = []
    current: list[tuple[str, str]] = []
    for token in [*_tokens(source), ("pipe", "|")]:
        if token[0] != "pipe":
            current.append(token)
            continue
        if not current:
            raise TemplateError("empty command in a pipeline")
        kind, text = current[0]
        if kind == "name":
            if text not in _FUNCTIONS:
                raise TemplateError(f"unknown function {text!r}; known: {', '.join(_FUNCTIONS)} "
                                    "(if/range/with are not supported)")
            commands.append(_Command(text, tuple(_argument(k, t) for k, t in current[1:])))
        elif len(current) > 1:
            raise TemplateError(f"{text} is not a function and cannot take arguments")
        else:
            commands.append(_Command(None, (_argument(kind, text),)))
        current = []
    return commands


@dataclass(frozen=True)
class Template:
    """A compiled template: text parts and actions, rendered against one instance's data."""

    source: str
    parts: tuple[str | tuple[_Command, ...], ...]

    def render(self, data: TemplateData) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            try:
                out.append(plain(_run(part, data)))
            except (TypeError, ValueError, KeyError) as exc:  # bad data for a function: say so in the text
                out.append(f"<error: {exc}>")
        return "".join(out)


def _run(commands: tuple[_Command, ...], data: TemplateData) -> Any:
    result: Any = None
    for position, command in enumerate(commands):
        args = [_operand(a, data) for a in command.args]
        if position:
            args.append(result)
        if command.function is None:
            result = args[0]
        else:
            result = _FUNCTIONS[command.function](*args)
    return result


def compile_template(source: str) -> Template:
    """Compile `source`; a TemplateError says which action is wrong and why."""
    if not isinstance(source, str):
        raise TemplateError(f"a template is text, not {type(source).__name__}")
    parts: list[str | tuple[_Command, ...]] = []
    pos, trim_next = 0, False
    for found in _ACTION.finditer(source):
        text = source[pos:found.start()]
        text = text.lstrip() if trim_next else text
        parts.append(text.rstrip() if found.group(1) else text)
        body = found.group(2).strip()
        trim_next = bool(found.group(3))
        pos = found.end()
        if body.startswith("/*") and body.endswith("*/"):
            continue
        try:
            commands = _compile_action(body)
        except TemplateError as exc:
            raise TemplateError(f"in {{{{ {body} }}}}: {exc}") from None
        if not commands:
            raise TemplateError("empty action {{ }}")
        parts.append(tuple(commands))
    tail = source[pos:]
    if "{{" in tail or "}}" in tail:
        raise TemplateError(f"unbalanced braces near {tail[tail.find('{{') if '{{' in tail else 0:][:30]!r}")
    parts.append(tail.lstrip() if trim_next else tail)
    return Template(source, tuple(p for p in parts if p != ""))


def render_all(templates: Mapping[str, Template], data: TemplateData) -> dict[str, str]:
    return {name: template.render(data) for name, template in templates.items()}
