"""Runbook versions in the store: recorded once, never changed, read back byte for byte, compared.

A version is a promise: `cost-spike@1.2.0` means one text forever, so an incident that pinned it
can show what its responders read. Recording therefore refuses a file whose (id, version) is
already recorded with other content, naming the file, the id, the version and the fix (bump the
version); nothing of that library is recorded, and the caller keeps the last good one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

import semver

from runbooks.document import Runbook, RunbookError, parse
from runbooks.library import Library, newest_first, parse_reference
from store.base import Store
from store.errors import BadInput
from store.queries import runbooks as q
from store.queries.runbooks import StoredVersion


class UnknownRunbook(BadInput):
    """A reference or a version that names no runbook (the API answers 404)."""


@dataclass(frozen=True)
class RunbookVersion:
    """One recorded version: the stored row (with its exact text), the runbook parsed from that text, and
    whether it is the version in force."""

    stored: StoredVersion
    runbook: Runbook
    in_force: bool


def record(store: Store, library: Library, now: datetime) -> list[StoredVersion]:
    """Record the versions of `library` not seen before, all or none; returns the new ones.

    A RunbookError names every runbook whose version is recorded with other content."""
    seen = {(v.id, v.version): v for v in q.recorded(store, list(library.runbooks))}
    new, problems = [], []
    for runbook in library.runbooks.values():
        old = seen.get((runbook.id, runbook.version))
        if old is None:
            new.append(StoredVersion(runbook.id, runbook.version, runbook.sha256, runbook.path, now, runbook.text))
        elif old.content_sha256 != runbook.sha256:
            problems.append(
                f"{runbook.path}: runbook {runbook.id} version {runbook.version} is already recorded with other "
                f"content (first seen {old.first_seen:%Y-%m-%d %H:%M:%S} UTC from {old.path}): a version never "
                f"changes; give the edited runbook a new version (e.g. {_next(runbook.version)}); version "
                f"{runbook.version} stays as recorded")
    if problems:
        raise RunbookError(problems)
    q.record(store, new)
    return new


def _next(version: str) -> str:
    return str(semver.Version.parse(version).bump_patch())


def versions(store: Store, runbook_id: str) -> list[StoredVersion]:
    """Every recorded version of a runbook (without text), newest first."""
    by_version = {v.version: v for v in q.recorded(store, [runbook_id])}
    return [by_version[v] for v in newest_first(list(by_version))]


def read(store: Store, library: Library, runbook_id: str, version: str | None = None) -> RunbookVersion:
    """The version in force of `runbook_id`, or a recorded `version` of it, with its exact text."""
    current = library.get(runbook_id)
    if version is None:
        if current is None:
            raise UnknownRunbook(f"no runbook {runbook_id!r} in force (pin a recorded version: {runbook_id}@x.y.z)")
        version = current.version
    stored = q.read(store, runbook_id, version)
    if stored is None:
        raise UnknownRunbook(f"runbook {runbook_id} has no recorded version {version}")
    in_force = current is not None and current.version == version
    runbook = current if in_force and current is not None else parse(stored.body, stored.path, queries=None)
    return RunbookVersion(stored, runbook, in_force)


def resolve(store: Store, library: Library, reference: str) -> RunbookVersion:
    """A rule's `runbook:` reference: `id` is the version in force (what the runbook files hold now),
    `id@1.2.0` that recorded version, even after its file changed or went away."""
    try:
        runbook_id, version = parse_reference(reference)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    return read(store, library, runbook_id, version)


def diff(store: Store, runbook_id: str, old: str, new: str) -> str:
    """A unified diff of two recorded versions' texts ('' when they are equal)."""
    texts = []
    for version in (old, new):
        stored = q.read(store, runbook_id, version)
        if stored is None:
            raise UnknownRunbook(f"runbook {runbook_id} has no recorded version {version}")
        texts.append(stored.body)
    lines = difflib.unified_diff(texts[0].splitlines(keepends=True), texts[1].splitlines(keepends=True),
                                 f"{runbook_id}@{old}", f"{runbook_id}@{new}")
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines)
