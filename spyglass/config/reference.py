"""docs/configuration.md, generated from the settings models: every setting with its YAML key, environment
variable, flag, type, default and description, grouped by section. A test holds the committed file equal
to `render()`; after changing a setting run `python -m spyglass.config.reference`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from spyglass.config import legacy
from spyglass.config.root import Settings
from spyglass.config.walk import Setting, env_name, flag_name, sections, settings_of, yaml_key

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
_HEADER = """# Configuration reference

<!-- Generated from the settings models in spyglass/config/ by `python -m spyglass.config.reference`:
edit the models, not this file. -->

Every setting has three forms. Highest precedence first: a flag of `spyglass up`, a `SPYGLASS_*`
environment variable, a key of `spyglass.yaml` in the working directory (or the file `--config`
or `SPYGLASS_CONFIG` names); then the default. Zero configuration runs.

A section's settings are nested under its name in YAML, joined with `__` in the environment and
with `-` in a flag: `costs.interval_seconds` below is

```yaml
costs:
  interval_seconds: 30
```

or `SPYGLASS_COSTS__INTERVAL_SECONDS=30`, or `spyglass up --costs-interval-seconds 30`. Lists
and mappings are JSON in the environment (`SPYGLASS_READ_KEYS='["key"]'`); a flag takes a list
comma-separated or as JSON (`--roles collector,api`) and a mapping as JSON; a boolean flag is
`--x` / `--no-x`. An invalid configuration is refused as a whole, every problem listed with
where its value came from.
"""


def render() -> str:
    """The whole document."""
    settings = settings_of(Settings)
    parts = [_HEADER, "## Top level\n", _table([s for s in settings if s.section is None])]
    for name, info in sections(Settings).items():
        parts += [f"## `{name}`\n", f"{info.description}\n", _table([s for s in settings if s.section == name])]
    parts.append(_deprecated())
    return "\n".join(parts)


def _table(settings: list[Setting]) -> str:
    rows = ["| YAML key | environment variable | flag | type | default | description |",
            "|---|---|---|---|---|---|"]
    for s in settings:
        flag = f"`{flag_name(s.key)}`" if s.kind != "bool" else f"`{flag_name(s.key)}`, `--no-{flag_name(s.key)[2:]}`"
        default = f"`{s.default_text}`" if s.shows_value else s.default_text
        cells = [f"`{yaml_key(s.key)}`", f"`{env_name(s.key)}`", flag, s.type_text, default, s.description]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def _deprecated() -> str:
    rows = ["## Names of the previous release\n",
            "These flat names still work in this release, in YAML, in the environment (`SPYGLASS_` and the "
            "name in capitals) and, where a flag existed, as that flag; each use logs a deprecation warning. "
            "When both an old and a new name are given, the new one wins.\n",
            "| old name | new key |", "|---|---|"]
    rows += [f"| `{old}`{' (also `' + flag_name((old,)) + '`)' if old in legacy.FLAGS else ''} | `{yaml_key(new)}` |"
             for old, new in legacy.RENAMED.items()]
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DOC
    path.write_text(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
