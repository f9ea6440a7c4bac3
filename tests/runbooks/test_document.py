"""Parsing one runbook file: the front matter's rules, every problem at once with its file and line, the
checklist as numbered steps, and which alerts a runbook answers."""

from __future__ import annotations

import pytest

from runbooks.document import RunbookError, content_sha256, parse

FRONT = """---
id: cost-spike
title: Cost spike
version: 1.2.0
owners: [finops]
applies_to:
  alerts: [cost-spike]
  matchers: ['service=~"chat-.*"']
severity: warning
diagnostics:
  - query: spend_by_model
    params: {since: window.since, until: window.until, service: labels.service}
---
"""
BODY = """# Cost spike

Read this first.

- [ ] Open the Costs page
  for the service
- [x] Read the diagnostics

```sh
- [ ] an example inside a fenced block is not a step
```

- [ ] Roll back:
  ```sh
  spyglass reprice --since 2026-11-01T00:00:00Z
  ```
Verify afterwards.
"""


def problems(text: str, path: str = "rb.md") -> list[str]:
    with pytest.raises(RunbookError) as caught:
        parse(text, path)
    return caught.value.problems


def test_a_runbook_parses_into_its_front_matter_and_numbered_steps():
    runbook = parse(FRONT + BODY, "cost-spike.md")
    assert (runbook.id, runbook.version, runbook.meta.severity) == ("cost-spike", "1.2.0", "warning")
    assert runbook.meta.diagnostics[0].params == {"since": "window.since", "until": "window.until",
                                                  "service": "labels.service"}
    assert [(s.number, s.text, s.line) for s in runbook.steps] == [
        (1, "Open the Costs page\nfor the service", 18),
        (2, "Read the diagnostics", 20),
        (3, "Roll back:\n```sh\nspyglass reprice --since 2026-11-01T00:00:00Z\n```", 26),
    ]
    assert runbook.text == FRONT + BODY and runbook.sha256 == content_sha256(FRONT + BODY)


def test_which_alerts_a_runbook_answers():
    runbook = parse(FRONT + BODY, "cost-spike.md")
    assert runbook.applies("cost-spike", {})
    assert runbook.applies("other-alert", {"service": "chat-api"})  # the matcher
    assert not runbook.applies("other-alert", {"service": "batch-api"})
    assert not runbook.applies("other-alert", {})


def test_every_front_matter_problem_is_reported_with_its_line():
    text = FRONT.replace("version: 1.2.0", "version: 1.2").replace("owners: [finops]", "owners: []\ncolour: red") \
        .replace("severity: warning", "severity: urgent").replace("id: cost-spike", "id: Cost_Spike")
    assert problems(text + BODY) == [
        "rb.md:2: id: 'Cost_Spike' is not a runbook id: lower-case letters, digits and dashes, such as cost-spike",
        "rb.md:4: version: 1.2 is not a semantic version such as 1.2.0 (three numbers; YAML reads 1.0 as a number)",
        "rb.md:5: owners: List should have at least 1 item after validation, not 0",
        "rb.md:10: severity: Input should be 'info', 'warning' or 'critical'",
        "rb.md:6: colour: unknown key",
    ]


def test_missing_keys_point_at_the_mapping_that_lacks_them():
    text = FRONT.replace("title: Cost spike\n", "").replace("  alerts: [cost-spike]\n", "") \
        .replace("  matchers: ['service=~\"chat-.*\"']\n", "  matchers: []\n")
    assert problems(text + BODY) == [
        "rb.md:2: title: required",
        "rb.md:5: applies_to: name alert names (alerts: [...]) or label matchers (matchers: [...]), or both",
    ]


def test_a_bad_matcher_or_parameter_source_is_refused():
    text = FRONT.replace("service=~\"chat-.*\"", "service=~\"(\"").replace("labels.service", "headers.service")
    assert problems(text + BODY) == [
        "rb.md:8: applies_to.matchers: 'service=~\"(\"': the regex does not compile: missing ), unterminated "
        "subpattern at position 0",
        "rb.md:12: diagnostics[0].params: service: 'headers.service' is not labels.<name>, window.since or "
        "window.until",
    ]


def test_diagnostics_must_name_a_known_query_and_map_its_parameters():
    unknown = FRONT.replace("query: spend_by_model", "query: spend_by_modle")
    assert problems(unknown + BODY)[0].startswith(
        "rb.md:11: diagnostics[0]: no diagnostic query named 'spend_by_modle' (known: calls_by_version, ")
    mapped = FRONT.replace("since: window.since, until: window.until, service: labels.service",
                           "host: labels.host, since: labels.started, service: window.since")
    assert problems(mapped + BODY) == [
        "rb.md:12: diagnostics[0]: spend_by_model has no parameter 'host' (it takes since, until, project, service, "
        "team, feature)",
        "rb.md:12: diagnostics[0]: spend_by_model parameter since comes from window.since or window.until, "
        "not labels.started",
        "rb.md:12: diagnostics[0]: spend_by_model parameter service comes from a label (labels.<name>), "
        "not window.since",
        "rb.md:11: diagnostics[0]: spend_by_model needs until mapped (until: window.until)",
    ]


def test_a_required_label_parameter_must_be_mapped():
    text = FRONT.replace("query: spend_by_model", "query: gpu_host_calls").replace(", service: labels.service", "")
    assert problems(text + BODY) == [
        "rb.md:11: diagnostics[0]: gpu_host_calls needs host mapped (host: labels.host)"]


def test_an_old_version_naming_a_query_this_release_lacks_still_parses_without_the_catalog():
    text = FRONT.replace("query: spend_by_model", "query: retired_query") + BODY
    assert parse(text, "old.md", queries=None).meta.diagnostics[0].query == "retired_query"


@pytest.mark.parametrize(("text", "expected"), [
    ("# no front matter\n- [ ] step\n", "rb.md:1: a runbook starts with YAML front matter between two '---' lines"),
    ("---\nid: x\n- [ ] step\n", "rb.md:1: the front matter has no closing '---' line"),
    ("---\nid: [x\n---\n- [ ] step\n", "rb.md:2: front matter is not valid YAML: expected ',' or ']', but got "
                                       "'<stream end>'"),
    ("---\n- a list\n---\n- [ ] step\n", "rb.md:2: the front matter must be a mapping (id:, title:, version:, ...)"),
])
def test_a_file_that_is_not_a_runbook_says_why_in_one_line(text, expected):
    assert problems(text)[0].startswith(expected)


def test_a_runbook_without_a_checklist_has_no_steps_and_is_refused():
    assert problems(FRONT + "# Cost spike\n\n1. numbered, not a checklist\n") == [
        "rb.md:14: no steps: a runbook's steps are a markdown checklist ('- [ ] ...')"]
