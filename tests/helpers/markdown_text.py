"""A Markdown report read back by section and line, for the tests of the post-mortem."""

from __future__ import annotations

import re


def sections(text: str) -> dict[str, str]:
    """The Markdown's `## ` sections by title, in order (the text before the first is under ''); headings inside a
    fenced code block (the runbook's text) are text."""
    found: dict[str, str] = {}
    title, fence = "", ""
    for line in text.split("\n"):
        opening = re.match(r"^(`{3,})", line)
        if opening and not fence:
            fence = opening.group(1)
        elif fence and line == fence:
            fence = ""
        if line.startswith("## ") and not fence:
            title = line[3:]
            found[title] = ""
        else:
            found[title] = found.get(title, "") + line + "\n"
    return found


def lines(section: str) -> list[str]:
    return [line for line in section.split("\n") if line]
