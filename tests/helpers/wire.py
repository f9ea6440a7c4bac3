"""Wire models for tests of pure dashboard code: give the fields a test is about, the rest get neutral values.

`make(Timeseries, since=..., points=[{"bucket": ..., "requests": 3}])` fills every required field
the test leaves out (nested models and lists of them too) with a neutral value of its type
('' / 0 / 0.0 / False / [] / {} / None / the first Literal choice), then validates the whole as the
client would parse it, so a test states only what it is about and still gets a real model.
"""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_NEUTRAL: dict[Any, Any] = {str: "", int: 0, float: 0.0, bool: False, Decimal: "0"}


def make(wire: type[M], /, **fields: Any) -> M:
    return wire.model_validate(_fill(wire, fields))


def _fill(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for name, info in model.model_fields.items():
        if name in data:
            out[name] = _fill_value(info.annotation, data[name])
        elif info.is_required():
            out[name] = _neutral(info.annotation)
    return out


def _fill_value(annotation: Any, value: Any) -> Any:
    inner = _model_in(annotation)
    if inner is None or value is None:
        return value
    if isinstance(value, list):
        return [_fill(inner, v) if isinstance(v, dict) else v for v in value]
    return _fill(inner, value) if isinstance(value, dict) else value


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `Model`, `list[Model]` or `Model | None`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _neutral(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        return None
    if origin is Literal:
        return args[0]
    if origin is list:
        return []
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _fill(annotation, {})
    return _NEUTRAL[annotation]
