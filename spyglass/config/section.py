"""The base of every configuration section: a pydantic model that refuses keys it does not know.

A section is owned by its subject (`costs.py`, `gpu.py`, ...); every field carries a
`Field(description=...)`, which the flag's help and docs/configuration.md print.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from spyglass.timerange import parse_duration
from store.errors import BadInput


class Section(BaseModel):
    """One section of spyglass.yaml (`costs:`, `gpu:`, ...)."""

    model_config = ConfigDict(extra="forbid")


def comma_list(value: Any) -> Any:
    """`"a, b"` -> `["a", "b"]`: a list written as one comma-separated string (YAML or a flag)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def duration(value: Any) -> Any:
    """A duration written as a look-back (`90m`, `24h`, `7d`) as a timedelta; seconds and timedeltas pass as they are."""
    if isinstance(value, str) and not value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        try:
            return parse_duration(value)
        except BadInput as exc:
            raise ValueError(str(exc)) from None
    return value
