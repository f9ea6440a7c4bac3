"""Runbooks: the library in force, one runbook version with its exact text, its recorded versions, diffs."""

from __future__ import annotations

from typing import Literal

from client.models.wire import Timestamp, Wire


class AppliesTo(Wire):
    alerts: list[str]  # alert names
    matchers: list[str]  # label matchers, Alertmanager syntax


class RunbookDiagnostic(Wire):
    """A diagnostic query the runbook runs when an incident opens, and where each parameter comes from."""

    query: str
    params: dict[str, str]  # parameter -> labels.<name>, window.since or window.until


class RunbookStep(Wire):
    number: int
    text: str


class RunbookSummary(Wire):
    """One runbook of the library in force."""

    id: str
    title: str
    version: str
    severity: Literal["info", "warning", "critical"]
    owners: list[str]
    applies_to: AppliesTo
    path: str
    content_sha256: str
    source: Literal["shipped", "user"]
    overrides: str | None  # a user runbook replacing a shipped one: the shipped file
    steps: int
    diagnostics: list[str]  # query names


class RunbookLibrary(Wire):
    """GET /api/v1/runbooks: the runbooks in force; `error` says why an edited file was not loaded."""

    version: str
    loaded_at: Timestamp
    dirs: list[str]
    error: str
    runbooks: list[RunbookSummary]


class RunbookDocument(Wire):
    """GET /api/v1/runbooks/{id}: one recorded version with its text exactly as it was first seen."""

    id: str
    version: str
    title: str
    severity: Literal["info", "warning", "critical"]
    owners: list[str]
    applies_to: AppliesTo
    content_sha256: str
    path: str
    first_seen: Timestamp
    in_force: bool
    text: str
    steps: list[RunbookStep]
    diagnostics: list[RunbookDiagnostic]


class RunbookVersionInfo(Wire):
    version: str
    content_sha256: str
    path: str
    first_seen: Timestamp
    in_force: bool


class RunbookVersions(Wire):
    """GET /api/v1/runbooks/{id}/versions: every recorded version, newest (semantic-version order) first."""

    id: str
    versions: list[RunbookVersionInfo]


class RunbookDiff(Wire):
    """GET /api/v1/runbooks/{id}/diff: a unified diff between two recorded versions ('' when equal)."""

    id: str
    from_version: str
    to_version: str
    diff: str
