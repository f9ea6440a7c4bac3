"""Tables and text of the Runbooks page, as pure functions of the runbook API's models.

A runbook is stored exactly as written: YAML front matter, then Markdown. The page shows the front matter as facts
(owners, severity, what it applies to, its diagnostics) and renders the Markdown below the page's own headings, so
the runbook's `# Title` does not read as a second page title.
"""

from __future__ import annotations

import re
from typing import Any

from client.models.runbooks import AppliesTo, RunbookDocument, RunbookLibrary, RunbookVersions
from dashboard.format import MISSING, timestamp

_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,4})(\s)")
_FENCE = re.compile(r"^\s*(```|~~~)")
DEMOTE = "##"  # a runbook's `#` reads as the page's `###`


def applies_to(target: AppliesTo) -> str:
    """'alerts: cost-spike, budget · severity="critical"' (MISSING when it applies to nothing by itself)."""
    parts = ([f"alerts: {', '.join(target.alerts)}"] if target.alerts else []) + list(target.matchers)
    return " · ".join(parts) or MISSING


def library_rows(library: RunbookLibrary) -> list[dict[str, Any]]:
    """One row per runbook in force, by id."""
    return [{"id": r.id, "title": r.title, "version": r.version, "severity": r.severity,
             "owners": ", ".join(r.owners) or MISSING, "applies to": applies_to(r.applies_to), "steps": r.steps,
             "diagnostics": len(r.diagnostics), "source": r.source + (f" (overrides {r.overrides})" if r.overrides
                                                                      else "")}
            for r in sorted(library.runbooks, key=lambda r: r.id)]


def body(text: str) -> str:
    """The runbook's Markdown without its front matter, headings demoted two levels (code blocks left alone)."""
    lines, fenced = [], False
    for line in _FRONT_MATTER.sub("", text, count=1).splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        lines.append(line if fenced else _HEADING.sub(lambda m: DEMOTE + m.group(1) + m.group(2), line))
    return "\n".join(lines).strip() + "\n"


def diagnostic_rows(doc: RunbookDocument) -> list[dict[str, Any]]:
    """The queries the runbook runs when an incident opens, and where each parameter comes from."""
    return [{"query": d.query, "parameters": ", ".join(f"{name} ← {source}" for name, source in d.params.items())
             or MISSING} for d in doc.diagnostics]


def version_rows(versions: RunbookVersions) -> list[dict[str, Any]]:
    """Every recorded version, newest first: when it was first seen, whether it is in force, its content hash."""
    return [{"version": v.version, "in force": "yes" if v.in_force else "", "first seen (UTC)": timestamp(v.first_seen),
             "sha256": v.content_sha256[:12], "file": v.path} for v in versions.versions]


def default_pair(versions: RunbookVersions) -> tuple[str, str]:
    """(from, to) for the diff: the version before the one in force, and the one in force (newest first order)."""
    names = [v.version for v in versions.versions]
    current = next((v.version for v in versions.versions if v.in_force), names[0])
    at = names.index(current)
    return (names[at + 1] if at + 1 < len(names) else current), current
