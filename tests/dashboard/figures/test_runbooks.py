"""The Runbooks page's tables and the runbook's Markdown as rendered under the page's headings."""

from __future__ import annotations

from client.models.runbooks import RunbookDocument, RunbookLibrary, RunbookVersions
from dashboard.figures import runbooks as rf
from tests.helpers.wire import make

TEXT = """---
id: cost-spike
title: Cost spike
applies_to:
  alerts: [cost-spike]
---
# Cost spike

## First five minutes

- [ ] Look at the spend.

```sh
# a shell comment, not a heading
curl http://127.0.0.1:8040/api/v1/budgets
```
"""


def test_the_body_drops_the_front_matter_and_demotes_headings_outside_code():
    body = rf.body(TEXT)
    assert body.startswith("### Cost spike\n")
    assert "#### First five minutes" in body and "applies_to" not in body and "---" not in body
    assert "# a shell comment, not a heading" in body and "### a shell" not in body
    assert rf.body("# Plain\ntext") == "### Plain\ntext\n"  # no front matter: nothing cut


def test_library_rows_by_id_with_what_each_applies_to():
    library = make(RunbookLibrary, runbooks=[
        {"id": "slo-burn", "title": "SLO burn", "version": "1.0.0", "owners": ["oncall", "sre"],
         "applies_to": {"alerts": ["slo-burn", "slo-burn-slow"], "matchers": ['service="chat"']},
         "diagnostics": ["errors_by_model"], "steps": 5},
        {"id": "cost-spike", "title": "Cost spike", "source": "user", "overrides": "library/cost-spike.md"}])
    first, second = rf.library_rows(library)
    assert (first["id"], first["owners"], first["applies to"]) == ("cost-spike", "–", "–")
    assert first["source"] == "user (overrides library/cost-spike.md)"
    assert second["applies to"] == 'alerts: slo-burn, slo-burn-slow · service="chat"'
    assert (second["owners"], second["steps"], second["diagnostics"]) == ("oncall, sre", 5, 1)


def test_diagnostics_versions_and_the_default_diff_pair():
    doc = make(RunbookDocument, diagnostics=[{"query": "spend_by_model", "params": {"since": "window.since"}},
                                             {"query": "no_params", "params": {}}])
    assert rf.diagnostic_rows(doc) == [{"query": "spend_by_model", "parameters": "since ← window.since"},
                                       {"query": "no_params", "parameters": "–"}]
    versions = make(RunbookVersions, versions=[
        {"version": "1.2.0", "content_sha256": "a" * 64}, {"version": "1.1.0", "in_force": True},
        {"version": "1.0.0"}])
    assert rf.default_pair(versions) == ("1.0.0", "1.1.0")  # the version in force and the one before it
    assert [r["in force"] for r in rf.version_rows(versions)] == ["", "yes", ""]
    assert rf.version_rows(versions)[0]["sha256"] == "a" * 12
    assert rf.default_pair(make(RunbookVersions, versions=[{"version": "1.0.0", "in_force": True}])) == (
        "1.0.0", "1.0.0")
