"""`spyglass up`'s flags, generated from the settings model: one per setting, named after its key
(`--api-port`, `--costs-interval-seconds`), its help the field's description and default.

Lists take comma-separated values or JSON, mappings JSON, booleans `--x/--no-x`. Values stay
text here: the loader parses and validates them with every other form, so a bad flag is
reported with the rest.
"""

from __future__ import annotations

import argparse
from typing import Any

from spyglass.config import legacy
from spyglass.config.root import Settings
from spyglass.config.walk import Setting, flag_name, sections, settings_of

_METAVARS = {"list": "A,B", "json": "JSON"}


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per setting; a flag not given is absent from the parsed namespace."""
    groups = {name: parser.add_argument_group(f"{name} settings", info.description)
              for name, info in sections(Settings).items()}
    settings = settings_of(Settings)
    for setting in settings:
        group = groups[setting.section] if setting.section else parser
        if setting.kind == "bool":
            group.add_argument(flag_name(setting.key), dest=_dest(setting.key), default=argparse.SUPPRESS,
                               action=argparse.BooleanOptionalAction, help=_help(setting))
        else:
            group.add_argument(flag_name(setting.key), dest=_dest(setting.key), default=argparse.SUPPRESS,
                               metavar=_metavar(setting), help=_help(setting))
    by_key = {setting.key: setting for setting in settings}
    for old in legacy.FLAGS:
        parser.add_argument(flag_name((old,)), dest=old, default=argparse.SUPPRESS, metavar=_metavar(
            by_key[legacy.RENAMED[old]]), help=f"deprecated: use {flag_name(legacy.RENAMED[old])}")


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The setting flags given, nested by section as `spyglass.config.load` takes them."""
    overrides: dict[str, Any] = {}
    for dest, value in vars(args).items():
        section, dot, name = dest.partition(".")
        if dot:
            overrides.setdefault(section, {})[name] = value
        elif dest in Settings.model_fields or dest in legacy.RENAMED:
            overrides[dest] = value
    return overrides


def _dest(key: tuple[str, ...]) -> str:
    return ".".join(key)


def _metavar(setting: Setting) -> str:
    return _METAVARS.get(setting.kind) or setting.type_text.split(" (")[0].split(" ")[0].upper()


def _help(setting: Setting) -> str:
    return f"{setting.description} (default: {setting.default_text})".replace("%", "%%")
