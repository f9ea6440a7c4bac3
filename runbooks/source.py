"""The runbook library a running service uses: loaded from the shipped and the user's directories,
recorded in the store, reloaded when a file changes.

A load is "parse every file, then record the versions not seen before" (store/file_source.py does
the rest): a file that does not parse, or that changed under an unchanged version, leaves the last
good library in force and the status says why; at start it stops the start with one line. The API,
the alert engine and incidents ask this object, so they all see one library and its versions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from runbooks import library as lib
from runbooks import versions
from runbooks.library import Library
from runbooks.versions import RunbookVersion
from store.base import Store
from store.file_source import FileSource
from store.queries.runbooks import StoredVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LibraryStatus:
    version: str
    runbooks: int
    dirs: list[str]
    error: str
    loaded_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "runbooks": self.runbooks, "dirs": self.dirs, "error": self.error,
                "loaded_at": self.loaded_at.isoformat().replace("+00:00", "Z")}


class RunbookSource:
    """The shipped runbooks plus `user_dirs`, recorded in `store`; `clock` stamps first-seen times."""

    def __init__(self, store: Store, user_dirs: Sequence[str | Path] = (),
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 shipped: Path = lib.SHIPPED_DIR) -> None:
        self._store = store
        self._dirs = (shipped, *(Path(d) for d in user_dirs))

        def load() -> Library:
            library = lib.load(user_dirs, shipped)
            new = versions.record(store, library, clock())
            for v in new:
                log.info("runbook %s version %s recorded (%s)", v.id, v.version, v.path)
            return library

        self._files = FileSource("runbooks", lambda: lib.watched(self._dirs), load)

    def current(self) -> Library:
        return self._files.current()

    def status(self) -> LibraryStatus:
        status = self._files.status()
        return LibraryStatus(status.version, len(self.current().runbooks), [str(d) for d in self._dirs],
                             status.error, status.loaded_at)

    def resolve(self, reference: str) -> RunbookVersion:
        """`id` (the version in force) or `id@version` (a recorded one); UnknownRunbook when it names none."""
        return versions.resolve(self._store, self.current(), reference)

    def read(self, runbook_id: str, version: str | None = None) -> RunbookVersion:
        return versions.read(self._store, self.current(), runbook_id, version)

    def versions(self, runbook_id: str) -> list[StoredVersion]:
        """Every recorded version, newest first."""
        return versions.versions(self._store, runbook_id)

    def diff(self, runbook_id: str, old: str, new: str) -> str:
        return versions.diff(self._store, runbook_id, old, new)
