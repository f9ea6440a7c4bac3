"""Runbook files written by tests: a small valid runbook of any id, version and wording."""

from __future__ import annotations

from pathlib import Path


def runbook_text(runbook_id: str, version: str = "1.0.0", note: str = "Check the spend.") -> str:
    return f"""---
id: {runbook_id}
title: {runbook_id} (ours)
version: {version}
owners: [sre]
applies_to:
  alerts: [{runbook_id}]
severity: warning
diagnostics:
  - query: spend_by_model
    params: {{since: window.since, until: window.until, service: labels.service}}
---
# {runbook_id}

- [ ] {note}
- [ ] Roll back the last change.
"""


def write_runbook(directory: Path, runbook_id: str, version: str = "1.0.0", note: str = "Check the spend.") -> Path:
    """`directory/<id>.md`, written as bytes so the test knows exactly what is on disk."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{runbook_id}.md"
    path.write_bytes(runbook_text(runbook_id, version, note).encode())
    return path
