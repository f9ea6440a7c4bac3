"""The price catalog a running service uses: the shipped catalog plus the user's files, reloaded
when any of them changes (store/file_source.py: a bad edit keeps the last good catalog and says
why in readiness and the costs API; a bad file at start stops the start with one line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.costs.catalog import SHIPPED_PATH, Catalog, load_shipped
from store.file_source import FileSource


@dataclass(frozen=True)
class CatalogStatus:
    version: str
    entries: int
    files: list[str]
    error: str

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "entries": self.entries, "files": self.files, "error": self.error}


class CatalogSource:
    """The shipped catalog plus `user_paths`, in order, and the deployment names of Azure OpenAI."""

    def __init__(self, user_paths: Sequence[str | Path] = (), deployments: Mapping[str, str] | None = None) -> None:
        self._user_paths = [Path(p) for p in user_paths]
        names = dict(deployments or {})
        self._files = FileSource("price catalog", [SHIPPED_PATH, *self._user_paths],
                                 lambda: load_shipped(self._user_paths, names))

    def current(self) -> Catalog:
        return self._files.current()

    def status(self) -> CatalogStatus:
        status = self._files.status()
        return CatalogStatus(status.version, len(self.current().entries), [str(p) for p in self._user_paths],
                             status.error)
