"""The shipped library: every runbook parses (its diagnostics name known queries with their parameters
mapped), follows the sections a responder expects, answers the shipped alerts, and no released version's
text ever changes (a service that recorded it would refuse to start on the upgrade)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runbooks.document import parse
from runbooks.library import SHIPPED_DIR, load
from store.queries.diagnostics import REGISTRY

SECTIONS = ["What it means", "Impact", "First five minutes", "Diagnostics", "Investigate", "Escalate", "Roll back",
            "Verify recovery"]
RELEASED = Path(__file__).resolve().parent / "released_versions.txt"
# The alert names the shipped rules (issue 13) give their alerts, each answered by one shipped runbook.
SHIPPED_ALERTS = {"cost-spike", "budget-forecast", "unpriced-model", "gpu-idle", "gpu-saturation",
                  "gpu-memory-pressure", "input-drift", "quality-drop", "latency-regression", "ttft-regression",
                  "slo-burn", "slo-burn-slow", "ingest-stopped"}
LIBRARY = load()


@pytest.mark.parametrize("runbook_id", list(LIBRARY.runbooks))
def test_a_shipped_runbook_has_every_section_in_order_and_a_checklist_in_the_right_ones(runbook_id):
    runbook = LIBRARY.runbooks[runbook_id]
    headings = re.findall(r"^## (.+)$", runbook.text, re.MULTILINE)
    assert headings == SECTIONS, runbook.path
    sections = dict(zip(headings, re.split(r"^## .+$", runbook.text, flags=re.MULTILINE)[1:], strict=True))
    for name in ("First five minutes", "Investigate", "Verify recovery"):
        assert "- [ ] " in sections[name], f"{runbook.path}: {name} has no checklist"
    assert re.search(r"`(curl|spyglass) ", sections["Investigate"] + sections["Roll back"]), runbook.path
    assert runbook.meta.diagnostics and len(runbook.steps) >= 8


def test_every_shipped_alert_has_exactly_one_shipped_runbook():
    answering = {alert: [r.id for r in LIBRARY.runbooks.values() if r.applies(alert, {})] for alert in SHIPPED_ALERTS}
    assert {alert: ids for alert, ids in answering.items() if len(ids) != 1} == {}


def test_no_released_version_changes_and_every_shipped_version_is_listed():
    released = {}
    for line in RELEASED.read_text().splitlines():
        if line and not line.startswith("#"):
            runbook_id, version, sha = line.split()
            released[(runbook_id, version)] = sha
    problems = []
    for r in LIBRARY.runbooks.values():
        sha = released.get((r.id, r.version))
        if sha is None:
            problems.append(f"{r.path}: add '{r.id} {r.version} {r.sha256}' to {RELEASED.name}")
        elif sha != r.sha256:
            problems.append(f"{r.path}: version {r.version} was released with other content: bump the version "
                            f"and add a line to {RELEASED.name}")
    assert problems == []
    assert all(Path(r.path).parent == SHIPPED_DIR for r in LIBRARY.runbooks.values())


def test_the_readme_documents_every_diagnostic_query_and_its_example_runbook_parses():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Writing a runbook", 1)[1].split("### Versions", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)?(?:, `(\w+)`)?", section, re.MULTILINE))
    assert {name for row in documented for name in row if name} == set(REGISTRY)
    example = re.search(r"```markdown\n(.*?)```", section, re.DOTALL)[1]
    runbook = parse(example, "README.md")
    assert (runbook.id, len(runbook.steps), runbook.applies("other", {"service": "search-api"})) == \
        ("vector-db-slow", 2, True)
