"""Runbooks: the library in force, any recorded version of a runbook byte for byte, its versions, diffs.

Reads through the service's `RunbookSource` (the same library the alert engine and incidents use);
a reference that names no runbook or version is a 404, a malformed version a 400.
"""

from __future__ import annotations

from typing import Annotated, Any

import semver
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from client.models.runbooks import RunbookDiff, RunbookDocument, RunbookLibrary, RunbookVersions
from client.models.wire import ErrorBody
from runbooks.document import FrontMatter
from runbooks.library import Library
from runbooks.source import RunbookSource
from runbooks.versions import UnknownRunbook
from spyglass.api.context import ApiContext, ContextDep
from spyglass.timerange import rfc3339
from store.errors import BadInput, StoreUnavailable

router = APIRouter(prefix="/api/v1/runbooks")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such runbook or version"}}
Version = Annotated[str | None, Query(description="a recorded version, such as 1.2.0 (default: the one in force)")]


def _source(context: ApiContext) -> RunbookSource:
    if context.runbooks is None:
        raise StoreUnavailable("this process has no runbook library (it runs neither the api nor the scheduler role)")
    return context.runbooks


def _version(name: str, value: str) -> str:
    if not semver.Version.is_valid(value):
        raise BadInput(f"{name}: {value!r} is not a semantic version such as 1.2.0")
    return value


def _meta(meta: FrontMatter) -> dict[str, Any]:
    return {"title": meta.title, "severity": meta.severity, "owners": meta.owners,
            "applies_to": meta.applies_to.model_dump()}


@router.get("")
def list_runbooks(context: ContextDep) -> RunbookLibrary:
    """The runbooks in force (shipped, and yours from runbooks.dirs), and why an edited file was not loaded."""
    source = _source(context)
    status, library = source.status(), source.current()
    return RunbookLibrary.model_validate({
        "version": status.version, "loaded_at": rfc3339(status.loaded_at), "dirs": status.dirs, "error": status.error,
        "runbooks": [_summary(library, runbook_id) for runbook_id in library.runbooks]})


def _summary(library: Library, runbook_id: str) -> dict[str, Any]:
    runbook = library.runbooks[runbook_id]
    return {"id": runbook.id, "version": runbook.version, **_meta(runbook.meta), "path": runbook.path,
            "content_sha256": runbook.sha256,
            "source": "shipped" if library.is_shipped(runbook_id) else "user",
            "overrides": library.overrides.get(runbook_id), "steps": len(runbook.steps),
            "diagnostics": [d.query for d in runbook.meta.diagnostics]}


@router.get("/{runbook_id}", response_model=RunbookDocument, responses=_NOT_FOUND)
def get_runbook(context: ContextDep, runbook_id: str, version: Version = None) -> RunbookDocument | JSONResponse:
    """One runbook version (default: the one in force) with its text exactly as first seen, its steps and
    diagnostics."""
    try:
        found = _source(context).read(runbook_id, _version("version", version) if version else None)
    except UnknownRunbook as exc:
        return _not_found(exc)
    stored, runbook = found.stored, found.runbook
    return RunbookDocument.model_validate({
        "id": stored.id, "version": stored.version, **_meta(runbook.meta), "content_sha256": stored.content_sha256,
        "path": stored.path, "first_seen": rfc3339(stored.first_seen), "in_force": found.in_force, "text": stored.body,
        "steps": [{"number": s.number, "text": s.text} for s in runbook.steps],
        "diagnostics": [d.model_dump() for d in runbook.meta.diagnostics]})


@router.get("/{runbook_id}/versions", response_model=RunbookVersions, responses=_NOT_FOUND)
def runbook_versions(context: ContextDep, runbook_id: str) -> RunbookVersions | JSONResponse:
    """Every recorded version of a runbook, newest first (semantic-version order), with content hashes."""
    source = _source(context)
    found = source.versions(runbook_id)
    if not found:
        return _not_found(UnknownRunbook(f"no runbook {runbook_id!r} has a recorded version"))
    current = source.current().get(runbook_id)
    return RunbookVersions.model_validate({"id": runbook_id, "versions": [
        {"version": v.version, "content_sha256": v.content_sha256, "path": v.path, "first_seen": rfc3339(v.first_seen),
         "in_force": current is not None and current.version == v.version} for v in found]})


@router.get("/{runbook_id}/diff", response_model=RunbookDiff, responses=_NOT_FOUND)
def runbook_diff(context: ContextDep, runbook_id: str,
                 old: Annotated[str | None, Query(alias="from", description="default: the version before `to`")] = None,
                 new: Annotated[str | None, Query(alias="to", description="default: the version in force")] = None,
                 ) -> RunbookDiff | JSONResponse:
    """A unified diff between two recorded versions of a runbook."""
    source = _source(context)
    recorded = [v.version for v in source.versions(runbook_id)]
    if not recorded:
        return _not_found(UnknownRunbook(f"no runbook {runbook_id!r} has a recorded version"))
    current = source.current().get(runbook_id)
    to = _version("to", new) if new else (current.version if current else recorded[0])
    if to not in recorded:
        return _not_found(UnknownRunbook(f"runbook {runbook_id} has no recorded version {to}"))
    if old:
        since = _version("from", old)
    else:  # recorded is newest first: the first older one is the version just before `to`
        older = [v for v in recorded if semver.Version.parse(v) < semver.Version.parse(to)]
        if not older:
            raise BadInput(f"from: runbook {runbook_id} has no recorded version before {to}; name one "
                           f"(recorded: {', '.join(recorded)})")
        since = older[0]
    try:
        text = source.diff(runbook_id, since, to)
    except UnknownRunbook as exc:
        return _not_found(exc)
    return RunbookDiff(id=runbook_id, from_version=since, to_version=to, diff=text)


def _not_found(exc: UnknownRunbook) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=404)
