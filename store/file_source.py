"""Configuration that lives in files and changes while the service runs: price catalogs, GPU
prices, alert rules, runbooks.

Every such family behaves alike, so the behaviour lives here once: the files are loaded and
validated into one immutable value that carries a content-hash `version`; `current()` looks
at the files' (mtime, size) and reloads when one changed; an edit that fails to load (bad
YAML, a missing field) never takes effect half-way — the last good value stays in force and
`status().error` says why, until the files are fixed. At start there is no last good value,
so a bad file is an error there (the caller stops with one line).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from store.errors import SpyglassError

log = logging.getLogger(__name__)


class Versioned(Protocol):
    @property
    def version(self) -> str: ...


V = TypeVar("V", bound=Versioned)


@dataclass(frozen=True)
class SourceStatus:
    """What a source holds now and why it did not take the latest edit (empty `error`: it did)."""

    name: str
    version: str
    files: tuple[str, ...]
    error: str
    loaded_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "files": list(self.files), "error": self.error,
                "loaded_at": self.loaded_at.isoformat().replace("+00:00", "Z")}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class FileSource(Generic[V]):
    """`load()` over `watched` files, reloaded when any of them changes; thread-safe.

    `watched` may be a function giving the paths, for a family whose files come and go (a directory of
    runbooks: the directory's own time changes when a file is added or removed)."""

    def __init__(self, name: str, watched: Sequence[Path | str] | Callable[[], Sequence[Path]],
                 load: Callable[[], V]) -> None:
        self.name = name
        fixed = () if callable(watched) else tuple(Path(p) for p in watched)
        self._watched: Callable[[], Sequence[Path]] = watched if callable(watched) else (lambda: fixed)
        self._load = load
        self._lock = threading.Lock()
        self._stamps = self._read_stamps()
        self._value = load()  # a bad file at start raises: there is no last good value to keep
        self._loaded_at = datetime.now(timezone.utc)
        self._error = ""

    def _read_stamps(self) -> list[tuple[Path, tuple[int, int] | None]]:
        return [(p, _stamp(p)) for p in self._watched()]

    def current(self) -> V:
        """The newest good value; reloads when a file changed, keeps the old value if the new one is bad."""
        with self._lock:
            stamps = self._read_stamps()
            if stamps != self._stamps:
                self._stamps = stamps
                try:
                    value = self._load()
                except SpyglassError as exc:
                    self._error = str(exc)
                    log.error("%s not reloaded, still using version %s: %s", self.name, self._value.version, exc)
                else:
                    if value.version != self._value.version:
                        log.info("%s reloaded: version %s", self.name, value.version)
                    self._value, self._error, self._loaded_at = value, "", datetime.now(timezone.utc)
            return self._value

    def status(self) -> SourceStatus:
        value = self.current()
        return SourceStatus(self.name, value.version, tuple(str(p) for p in self._watched()), self._error,
                            self._loaded_at)
