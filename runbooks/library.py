"""The runbook library: the shipped runbooks (`runbooks/library/*.md`) and the user's directories
(`runbooks.dirs`), as one set of runbooks in force, and what a rule's `runbook:` reference means.

A user runbook with the id of a shipped one overrides it (your edited copy of `cost-spike.md`
replaces ours); two user files with one id are refused, as is a file whose name is not `<id>.md`.
Loading is all or nothing: every problem of every file is reported at once, and a library with any
problem is not used (the service keeps the last good one).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import semver

from runbooks.document import ID, Runbook, RunbookError, parse

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "library"


@dataclass(frozen=True)
class Library:
    """The runbooks in force, by id; `overrides` maps an overridden shipped id to the shipped file."""

    runbooks: Mapping[str, Runbook]
    dirs: tuple[Path, ...]
    overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """A hash of every (id, version, content) in force: it changes whenever any runbook does."""
        parts = sorted(f"{r.id}@{r.version}:{r.sha256}" for r in self.runbooks.values())
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def get(self, runbook_id: str) -> Runbook | None:
        return self.runbooks.get(runbook_id)

    def is_shipped(self, runbook_id: str) -> bool:
        """Whether the runbook in force is the shipped one (the first directory is the shipped library)."""
        return Path(self.runbooks[runbook_id].path).parent == self.dirs[0]


def watched(dirs: Sequence[Path]) -> list[Path]:
    """The directories and their runbook files: a directory's time changes when a file is added or removed."""
    return [path for d in dirs for path in (d, *_files(d))]


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.md")) if directory.is_dir() else []


def load(user_dirs: Sequence[str | Path] = (), shipped: Path = SHIPPED_DIR) -> Library:
    """The shipped runbooks overlaid with the user's; a RunbookError lists every problem of every file."""
    dirs = (shipped, *(Path(d) for d in user_dirs))
    problems = [f"{d}: runbook directory not found" for d in dirs if not d.is_dir()]
    found: dict[str, list[Runbook]] = {}
    for d in dirs:
        for path in _files(d):
            try:
                runbook = _read(path)
            except RunbookError as exc:
                problems += exc.problems
                continue
            found.setdefault(runbook.id, []).append(runbook)
    runbooks, overrides = {}, {}
    for runbook_id, copies in found.items():
        shipped_copy = copies[0] if Path(copies[0].path).parent == shipped else None
        users = copies[1:] if shipped_copy else copies
        if len(users) > 1:
            problems.append(f"{users[1].path}:1: runbook {runbook_id} is also defined in {users[0].path}; a user "
                            "runbook id must be unique (only a shipped runbook may be overridden)")
            continue
        runbooks[runbook_id] = users[0] if users else copies[0]
        if shipped_copy and users:
            overrides[runbook_id] = shipped_copy.path
            log.info("runbook %s: %s overrides the shipped %s", runbook_id, users[0].path, shipped_copy.path)
    if problems:
        raise RunbookError(problems)
    return Library(dict(sorted(runbooks.items())), dirs, overrides)


def _read(path: Path) -> Runbook:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RunbookError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunbookError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    runbook = parse(text, str(path))
    if path.stem != runbook.id:
        raise RunbookError([f"{path}:2: the file of runbook {runbook.id} must be named {runbook.id}.md"])
    return runbook


def parse_reference(reference: str) -> tuple[str, str | None]:
    """`id` or `id@version` -> (id, version or None); a ValueError says what a reference looks like."""
    runbook_id, at, version = reference.partition("@")
    if not ID.match(runbook_id) or (at and not semver.Version.is_valid(version)):
        raise ValueError(f"{reference!r} is not a runbook reference such as cost-spike or cost-spike@1.2.0")
    return runbook_id, (version if at else None)


def check_reference(reference: str, library: Library) -> str | None:
    """What is wrong with a rule's `runbook:` reference against the runbook files, or None.

    `id` must be a runbook of the library. `id@version` must name one of its ids; a version other than the
    one its file holds now is accepted here, because only the service knows which versions it recorded (it
    refuses an unknown one when the rule is loaded)."""
    try:
        runbook_id, _ = parse_reference(reference)
    except ValueError as exc:
        return str(exc)
    if library.get(runbook_id) is None:
        return (f"runbook {runbook_id!r} does not exist (runbooks: {', '.join(library.runbooks)}; yours go in "
                "a directory of runbooks.dirs)")
    return None


def newest_first(versions: Sequence[str]) -> list[str]:
    """Versions in semantic-version order, newest first (1.10.0 above 1.9.0)."""
    return sorted(versions, key=semver.Version.parse, reverse=True)
