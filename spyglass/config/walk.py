"""Every setting of the model as a list: its key path, its three spellings, its kind, type and default.

The environment source, the generated flags, the deprecated names and docs/configuration.md all
walk the model through here, so a new field or section appears in every form at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from spyglass.config.section import Section, comma_list

Key = tuple[str, ...]
Kind = Literal["bool", "list", "json", "scalar"]
_NAMES = {int: "integer", float: "number", Decimal: "decimal", str: "text", bool: "boolean", Path: "path",
          timedelta: "duration", datetime: "time (RFC 3339)"}
_BOUNDS = ((at.Gt, "gt", ">"), (at.Ge, "ge", "≥"), (at.Lt, "lt", "<"), (at.Le, "le", "≤"))


def yaml_key(key: Key) -> str:
    return ".".join(key)


def env_name(key: Key) -> str:
    return "SPYGLASS_" + "__".join(part.upper() for part in key)


def flag_name(key: Key) -> str:
    return "--" + "-".join(part.replace("_", "-") for part in key)


@dataclass(frozen=True)
class Setting:
    """One leaf setting: a top-level field, or a field of a section."""

    key: Key
    field: FieldInfo

    @property
    def section(self) -> str | None:
        return self.key[0] if len(self.key) > 1 else None

    @property
    def kind(self) -> Kind:
        return kind_of(self.field.annotation)

    @property
    def description(self) -> str:
        return self.field.description or ""

    @property
    def type_text(self) -> str:
        extra = self.field.json_schema_extra
        if isinstance(extra, dict) and "shown_type" in extra:  # a type whose name says little (a union of models)
            return str(extra["shown_type"])
        return _type_name(self.field.annotation) + _bounds(self.field.metadata)

    @property
    def shows_value(self) -> bool:
        """Whether the default is a value (`30`, `[]`), not words (`not set`, `one per core, up to 4`)."""
        extra = self.field.json_schema_extra
        described = isinstance(extra, dict) and "shown_default" in extra
        return not described and self.field.get_default(call_default_factory=True) is not None

    @property
    def default_text(self) -> str:
        extra = self.field.json_schema_extra
        if isinstance(extra, dict) and "shown_default" in extra:
            return str(extra["shown_default"])
        return _flow(self.field.get_default(call_default_factory=True))


def sections(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """The model's sections by name (fields whose type is a `Section`)."""
    return {name: info for name, info in model.model_fields.items() if _is_section(info.annotation)}


def section_model(info: FieldInfo) -> type[Section]:
    """The model class of a section field."""
    model = info.annotation
    assert isinstance(model, type) and issubclass(model, Section), f"{model!r} is not a section"
    return model


def settings_of(model: type[BaseModel]) -> list[Setting]:
    """Top-level settings first, then each section's, in declaration order."""
    top = [Setting((name,), info) for name, info in model.model_fields.items() if not _is_section(info.annotation)]
    nested = [Setting((name, field), sub) for name, info in sections(model).items()
              for field, sub in section_model(info).model_fields.items()]
    return top + nested


def kind_of(annotation: Any) -> Kind:
    """How a setting is written as text: booleans as flags, lists comma-separated or JSON, mappings JSON."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin in (list, tuple):
        item = _unwrap(get_args(annotation)[0])
        return "json" if isinstance(item, type) and issubclass(item, BaseModel) else "list"
    if origin is dict:
        return "json"
    return "bool" if annotation is bool else "scalar"


def parse_text(kind: Kind, text: str, commas: bool) -> Any:
    """A value written as text (an environment variable, a flag): lists and mappings are JSON, lists may also be
    comma-separated when `commas`; JSON numbers read as exact decimals. ValueError when it cannot be read."""
    if kind == "list" and commas and not text.lstrip().startswith(("[", "{")):
        return comma_list(text)
    if kind not in ("list", "json"):
        return text
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        example = "a,b or [\"a\", \"b\"]" if commas and kind == "list" else (
            '["a", "b"]' if kind == "list" else '{"key": "value"}')
        raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos}); expected e.g. {example}") from None


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Section)


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X."""
    if get_origin(annotation) is Annotated:
        return _unwrap(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return _unwrap(next(arg for arg in get_args(annotation) if arg is not NoneType))
    return annotation


def _type_name(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        metadata = [m for arg in args[1:] for m in (arg.metadata if isinstance(arg, FieldInfo) else [arg])]
        return _type_name(args[0]) + _bounds(metadata)
    if origin in (Union, UnionType):
        return _type_name(_unwrap(annotation))
    if origin in (list, tuple):
        plural = "s" if isinstance(args[0], type) and issubclass(args[0], BaseModel) else ""
        return f"list of {_type_name(args[0])}{plural}"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin is Literal:
        return "one of " + ", ".join(str(arg) for arg in args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"{annotation.__name__} object"
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(metadata: list[Any]) -> str:
    bounds = [f"{sign} {getattr(m, attr)}" for m in metadata for cls, attr, sign in _BOUNDS if isinstance(m, cls)]
    return f" ({', '.join(bounds)})" if bounds else ""


def _flow(value: Any) -> str:
    """A default as it is written in YAML flow style: `[a, b]`, `{input: 1}`, `24h`."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(_flow, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and yaml.safe_load(value) != value:  # `true`, `yes`, `1` read back as text
        return f'"{value}"'
    return str(value)


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds >= 2 * 86_400 and seconds % 86_400 == 0:
        return f"{seconds // 86_400}d"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
