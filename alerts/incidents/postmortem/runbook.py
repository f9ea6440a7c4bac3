"""The post-mortem's "Runbook used" section (pure): the version the incident pinned, its content hash checked
against the recorded text, which of its steps were checked and by whom, and the text exactly as it was.

The text comes from `runbook_versions`, never from the file on disk, which may have moved on. The hash is
checked here, so a report shows a text that differs from the pin only with a warning saying so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from alerts.incidents.model import Event, Incident
from alerts.incidents.postmortem import units as u
from alerts.incidents.postmortem.parts import Table
from runbooks.document import content_sha256
from runbooks.versions import RunbookVersion


@dataclass(frozen=True)
class RunbookUsed:
    reference: str  # id@version
    title: str
    sha256: str  # the pin's
    verified: bool  # the recorded text hashes to the pin
    path: str
    first_seen: str
    steps: Table
    text: str  # exactly as recorded

    @property
    def fence(self) -> str:
        """A Markdown code fence longer than any run of backticks in the text, so the text cannot close it."""
        longest = max((len(run) for run in re.findall(r"`+", self.text)), default=0)
        return "`" * max(3, longest + 1)


def runbook_used(i: Incident, version: RunbookVersion | None, error: str, events: Sequence[Event]
                 ) -> tuple[RunbookUsed | None, str]:
    """The section's content, or None and why there is no runbook text to show."""
    if i.runbook is None:
        unresolved = [e.payload for e in events if e.kind == "runbook_unresolved"]
        if unresolved:
            return None, (f"No runbook was pinned: {unresolved[0].get('reference')} did not resolve when the "
                          f"incident opened ({unresolved[0].get('error')}).")
        return None, "No runbook was pinned to this incident."
    if version is None:
        return None, (f"{i.runbook.reference} (SHA-256 {i.runbook.content_sha256}) was pinned, but its recorded "
                      f"text could not be read: {error}")
    stored = version.stored
    last = {e.payload.get("number"): e for e in events if e.kind == "runbook_step"}
    steps = Table(("Step", "Checked", "By", "At (UTC)"), tuple(
        (f"{s.number}. {s.text}", "yes" if s.number in i.checked_steps else "no",
         last[s.number].actor if s.number in last else "", u.utc(last[s.number].at) if s.number in last else "")
        for s in version.runbook.steps))
    return RunbookUsed(i.runbook.reference, version.runbook.meta.title, i.runbook.content_sha256,
                       content_sha256(stored.body) == i.runbook.content_sha256, stored.path,
                       u.utc(stored.first_seen), steps, stored.body), ""
