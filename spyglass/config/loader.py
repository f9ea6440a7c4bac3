"""Load the settings: command-line values over `SPYGLASS_*` environment variables over spyglass.yaml over
defaults, validated once so that every problem is reported together, each saying where its value came from.
"""

from __future__ import annotations

import difflib
import logging
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from spyglass.config import legacy
from spyglass.config.root import Settings
from spyglass.config.sources import Layer, env_layer, flag_layer, leaves, put, yaml_layer
from spyglass.config.walk import Key, section_model, sections, settings_of, yaml_key
from store.errors import ConfigError

DEFAULT_CONFIG_FILE = "spyglass.yaml"
log = logging.getLogger("spyglass.config")


class InvalidConfiguration(ConfigError):
    """Every problem of a configuration, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"invalid configuration: {problems[0]}")
        else:
            super().__init__(f"invalid configuration ({len(problems)} problems):\n" +
                             "\n".join(f"  {problem}" for problem in problems))


def load(config_file: str | None = None, /, **overrides: Any) -> Settings:
    """The effective settings. `overrides` are command-line values, nested by section
    (`costs={"interval_seconds": 2}`; None: not given); the file is `config_file`, else SPYGLASS_CONFIG,
    else ./spyglass.yaml when present. Raises InvalidConfiguration with every problem found."""
    by_section = sections(Settings)
    known = {setting.key: setting for setting in settings_of(Settings)}
    known |= legacy.aliases(known)
    path = config_file or os.environ.get("SPYGLASS_CONFIG", DEFAULT_CONFIG_FILE)
    layers = [flag_layer(overrides, known, by_section), env_layer(os.environ, known, by_section),
              yaml_layer(Path(path), config_file is not None, by_section)]
    renamed = legacy.take(layers)
    values, origins = _merge(layers, by_section)
    for warning in legacy.apply(renamed, values, origins):
        log.warning(warning)
    problems = [problem for layer in layers for problem in layer.problems]
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        problems += [_describe(error, origins) for error in exc.errors()]
    if problems:
        raise InvalidConfiguration([" ".join(problem.split()) for problem in problems])
    return settings


def _merge(layers: list[Layer], by_section: dict[str, Any]) -> tuple[dict[str, Any], dict[Key, str]]:
    """Deep-merge the layers (the first wins) and note where each key's value came from."""
    values: dict[str, Any] = {}
    origins: dict[Key, str] = {}
    for layer in reversed(layers):
        for key, value in leaves(layer.values, by_section):
            put(values, key, value)
            origins[key] = layer.origin(key)
    return values, origins


def _describe(error: ErrorDetails, origins: dict[Key, str]) -> str:
    loc = tuple(str(part) for part in error["loc"])
    origin = next((origins[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in origins), None)
    if origin is None:  # a section's own check (e.g. two keys that go together): the keys given in it
        origin = "; ".join(where for key, where in origins.items() if key[:len(loc)] == loc) or None
    if error["type"] == "extra_forbidden":
        message = _unknown(loc)
    else:
        message = error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        if isinstance(given, str | int | float | Decimal) and len(repr(given)) <= 60:
            message += f", got {given!r}"
    return f"{yaml_key(loc) or 'settings'}: {message}" + (f" (from {origin})" if origin else "")


def _unknown(loc: Key) -> str:
    """Why a key is refused, naming its section and what it might have meant."""
    by_section = sections(Settings)
    if len(loc) == 1:
        names = [*Settings.model_fields, *(yaml_key(s.key) for s in settings_of(Settings))]
        close = difflib.get_close_matches(loc[0], names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown setting (sections: {', '.join(by_section)}){hint}"
    if len(loc) == 2 and loc[0] in by_section:
        return (f"unknown setting in section {loc[0]} (its settings: "
                f"{', '.join(section_model(by_section[loc[0]]).model_fields)})")
    return "unknown key"
