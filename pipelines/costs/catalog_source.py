"""The price catalog a running service uses, reloaded when its files change.

A catalog file edited while the service runs is picked up by the next cost-job run. An
edit that breaks the file (bad YAML, a missing price, a bad regex) must not stop pricing
or price with half a catalog: the source keeps the last good catalog, and says why it
did not switch (`error`, shown in readiness and the costs API) until the file is fixed.
At start there is no last good catalog, so a bad file stops the start (one line).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.costs.catalog import SHIPPED_PATH, Catalog, CatalogError, load_shipped

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogStatus:
    version: str
    entries: int
    files: list[str]
    error: str

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "entries": self.entries, "files": self.files, "error": self.error}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class CatalogSource:
    """The shipped catalog plus user files and deployment names, checked for changes on each `current()`."""

    def __init__(self, user_paths: Sequence[str | Path] = (), deployments: Mapping[str, str] | None = None) -> None:
        self._paths = [Path(p) for p in user_paths]
        self._deployments = dict(deployments or {})
        self._lock = threading.Lock()
        self._stamps = self._read_stamps()
        self._catalog = load_shipped(self._paths, self._deployments)
        self._error = ""

    def _read_stamps(self) -> list[tuple[int, int] | None]:
        return [_stamp(p) for p in (SHIPPED_PATH, *self._paths)]

    def current(self) -> Catalog:
        """The newest good catalog; reloads when a file changed, keeps the old one if the new is bad."""
        with self._lock:
            stamps = self._read_stamps()
            if stamps != self._stamps:
                self._stamps = stamps
                try:
                    self._catalog, self._error = load_shipped(self._paths, self._deployments), ""
                    log.info("price catalog reloaded: version %s", self._catalog.version)
                except CatalogError as exc:
                    self._error = str(exc)
                    log.error("price catalog not reloaded, still using version %s: %s", self._catalog.version, exc)
            return self._catalog

    def status(self) -> CatalogStatus:
        catalog = self.current()
        return CatalogStatus(catalog.version, len(catalog.entries), [str(p) for p in self._paths], self._error)
