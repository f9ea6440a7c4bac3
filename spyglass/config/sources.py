"""Where settings come from: command-line flags, `SPYGLASS_*` environment variables and spyglass.yaml.

Each is read into a `Layer` of nested values, not yet validated: the loader merges the layers
and validates once, so every problem of every form is reported together. A layer also knows
how its form spells a key (`--costs-interval-seconds`, `SPYGLASS_COSTS__INTERVAL_SECONDS`,
`costs.interval_seconds` at line 3 of spyglass.yaml), for messages that say where a value came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from spyglass.config.walk import Key, Setting, env_name, flag_name, parse_text, yaml_key


@dataclass
class Layer:
    """The values one form gave (nested by section; flat names of the previous release at the top level)."""

    values: dict[str, Any]
    spell: Callable[[Key], str]
    place: str = ""
    lines: dict[Key, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def origin(self, key: Key) -> str:
        """Where `key` was given: `SPYGLASS_X`, `--x`, `costs.x in spyglass.yaml line 3`."""
        place = f" in {self.place}" if self.place else ""
        line = f" line {self.lines[key]}" if key in self.lines else ""
        return f"{self.spell(key)}{place}{line}"


def leaves(values: Mapping[str, Any], sections: Mapping[str, Any]) -> Iterator[tuple[Key, Any]]:
    """(key, value) of every setting in nested `values`; a section given as something else than a mapping is
    one leaf (validation refuses it)."""
    for name, value in values.items():
        if name in sections and isinstance(value, dict):
            yield from (((name, sub), item) for sub, item in value.items())
        else:
            yield (name,), value


def flag_layer(overrides: Mapping[str, Any], known: Mapping[Key, Setting], sections: Mapping[str, Any]) -> Layer:
    """Command-line values (None: not given). A list or mapping given as text is parsed: lists comma-separated
    or JSON, mappings JSON."""
    layer = Layer({}, flag_name)
    for key, value in leaves({k: v for k, v in overrides.items() if v is not None}, sections):
        setting = known.get(key)
        if isinstance(value, str) and setting is not None:
            try:
                value = parse_text(setting.kind, value, commas=True)
            except ValueError as exc:
                layer.problems.append(f"{yaml_key(key)}: {flag_name(key)} is {exc}")
                continue
        put(layer.values, key, value)
    return layer


def env_layer(environ: Mapping[str, str], known: Mapping[Key, Setting], sections: Mapping[str, Any]) -> Layer:
    """`SPYGLASS_<SETTING>` and `SPYGLASS_<SECTION>__<SETTING>` (lists and mappings as JSON). Other `SPYGLASS_*`
    variables are not settings (SPYGLASS_API_URL is the CLI's), except an unknown name inside a section, which
    validation refuses."""
    layer = Layer({}, env_name)
    upper = {name.upper(): value for name, value in environ.items()}
    for key, setting in known.items():
        if env_name(key) in upper:
            try:
                put(layer.values, key, parse_text(setting.kind, upper[env_name(key)], commas=False))
            except ValueError as exc:
                layer.problems.append(f"{yaml_key(key)}: {env_name(key)} is {exc} (lists and mappings in "
                                      "SPYGLASS_* variables are JSON)")
    for name, value in upper.items():
        section, _, rest = name.removeprefix("SPYGLASS_").partition("__")
        key = (section.lower(), rest.lower())
        if name.startswith("SPYGLASS_") and rest and section.lower() in sections and key not in known:
            put(layer.values, key, value)
    return layer


def yaml_layer(path: Path, required: bool, sections: Mapping[str, Any]) -> Layer:
    """spyglass.yaml: settings at the top level, a mapping per section; `-` in a key reads as `_`."""
    layer = Layer({}, yaml_key, place=str(path))
    if not path.exists():
        if required:
            layer.problems.append(f"config file {path} does not exist")
        return layer
    text = path.read_text()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        layer.problems.append(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}")
        return layer
    if loaded is None:
        return layer
    if not isinstance(loaded, dict):
        layer.problems.append(f"{path}: expected a mapping of settings at the top level")
        return layer
    layer.values = {_name(key): (_normalised(value) if _name(key) in sections else value)
                    for key, value in loaded.items()}
    layer.lines = _lines(root, sections)
    return layer


def put(values: dict[str, Any], key: Key, value: Any) -> None:
    if len(key) == 1:
        values[key[0]] = value
        return
    if not isinstance(values.get(key[0]), dict):
        values[key[0]] = {}
    values[key[0]][key[1]] = value


def _name(key: Any) -> str:
    return str(key).replace("-", "_")


def _normalised(section: Any) -> Any:
    """A section's keys with `_` for `-`; an empty section (every key commented out) is an empty mapping."""
    if section is None:
        return {}
    return {_name(key): value for key, value in section.items()} if isinstance(section, dict) else section


def _lines(root: yaml.Node, sections: Mapping[str, Any]) -> dict[Key, int]:
    """The line of each top-level and section key."""
    lines: dict[Key, int] = {}
    for key_node, value_node in root.value if isinstance(root, yaml.MappingNode) else []:
        name = _name(key_node.value)
        lines[(name,)] = key_node.start_mark.line + 1
        if name in sections and isinstance(value_node, yaml.MappingNode):
            for sub_node, _ in value_node.value:
                lines[(name, _name(sub_node.value))] = sub_node.start_mark.line + 1
    return lines
