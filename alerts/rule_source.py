"""The rules a running service evaluates: the shipped rules plus the user's `rule_files`, reloaded on change.

Built on store/file_source.py like the price catalog: a bad file at start stops the start with
the same `file:line:` messages as `spyglass rules check`; a bad edit while running keeps the last
good rules, and `status().error` says why (readiness and the rules API show it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alerts.rules import DetectorLookup, ParamDefaults, RuleSet, load_rules, shipped_files
from alerts.sql_rules import probe
from store.base import Store
from store.file_source import FileSource, SourceStatus


class RuleSource:
    def __init__(self, user_paths: Sequence[str | Path], detectors: DetectorLookup, store: Store | None,
                 include_shipped: bool = True, defaults: ParamDefaults | None = None) -> None:
        paths = [*(shipped_files() if include_shipped else []), *(Path(p) for p in user_paths)]
        check_sql = probe(store) if store is not None else None
        self.defaults: ParamDefaults = defaults or {}
        self._files = FileSource("alert rules", paths, lambda: load_rules(paths, detectors, check_sql, self.defaults))

    def current(self) -> RuleSet:
        return self._files.current()

    def status(self) -> SourceStatus:
        return self._files.status()
