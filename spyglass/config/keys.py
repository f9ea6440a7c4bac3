"""API keys and their project scope: `read_keys` and `admin_keys` are a list (each key reaches every project, as
before scopes existed) or a mapping of key to the projects it reaches (`[a, b]`) or `"*"` (every project).

Validation runs before pydantic's own, so a mistake gets one sentence that says what to write instead of the
union's two failed alternatives. A key is a secret: no message quotes one, they are named by position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

EVERY_PROJECT = "*"
# The YAML shape of read_keys and admin_keys: a list, or key -> "*" | [project, ...].
KeyScopes = list[str] | dict[str, Literal["*"] | list[str]]
# What the API works with: key -> the projects it reaches, None for every project.
Scopes = dict[str, frozenset[str] | None]
SHOWN_TYPE = 'list of text, or mapping of text to a list of projects or "*"'


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _check_scope(position: int, scope: Any) -> None:
    which = f"the {_ordinal(position)} key"
    if scope == EVERY_PROJECT:
        return
    if not isinstance(scope, list):
        raise ValueError(f'{which} maps to {scope!r}: give a list of projects ([a, b]) or "*" for every project')
    if not scope:
        raise ValueError(f'{which} maps to no project: give at least one, or "*" for every project')
    for project in scope:
        if not isinstance(project, str) or not project.strip():
            raise ValueError(f"{which} lists {project!r}, which is not a project name")
        if project == EVERY_PROJECT:
            raise ValueError(f'{which} lists "*" among projects: write "*" alone (not in a list) for every project')


def check_key_scopes(value: Any) -> Any:
    """A `mode="before"` validator: the shape of a list or mapping of keys, with a clear sentence when it is wrong."""
    if isinstance(value, Mapping):
        for position, (key, scope) in enumerate(value.items(), start=1):
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"the {_ordinal(position)} key is empty")
            _check_scope(position, scope)
        return dict(value)
    if isinstance(value, list | tuple):
        for position, key in enumerate(value, start=1):
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"the {_ordinal(position)} key is empty")
        return list(value)
    raise ValueError('expected a list of keys, or a mapping of key to a list of projects or "*"')


def scopes(value: KeyScopes) -> Scopes:
    """Each key with the projects it reaches (None: every project); a plain list reaches every project."""
    if isinstance(value, dict):
        return {key: None if scope == EVERY_PROJECT else frozenset(scope) for key, scope in value.items()}
    return dict.fromkeys(value)
