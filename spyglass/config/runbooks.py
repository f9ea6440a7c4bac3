"""`runbooks:` settings: your runbook directories, beside the shipped library (issue 14)."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class RunbooksSettings(Section):
    dirs: list[str] = Field(default_factory=list, description=(
        "Your runbook directories (markdown with YAML front matter, each file named after its runbook's id: "
        "cost-spike.md), loaded after the shipped library (runbooks/library/); a runbook with the id of a shipped "
        "one replaces it."))
