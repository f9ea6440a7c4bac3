"""Rule files: what a valid rule becomes, and one `file:line:` message per problem, all reported at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts.rules import RuleError, check_rules, load_rules
from alerts.templates import TemplateData
from tests.helpers.alerting import LevelDetector

DETECTORS = {"level": LevelDetector()}


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """\
rules:
  - name: chat-cost
    detector: level
    params: {above: 10, service: chat}
    for: 5m
    keep_firing_for: 1h30m
    severity: critical
    labels: {team: ml, owner: "{{ $labels.service }}-oncall"}
    annotations:
      summary: "Spend on {{ $labels.service }} is {{ $value }}"
    runbook: cost-spike@2
    group_by: [alertname, service]
  - name: stuck
    sql: SELECT 'x' AS service, 1 AS value
"""


def test_a_valid_file_becomes_rules_with_their_parts(tmp_path):
    ruleset = load_rules([write(tmp_path, GOOD)], DETECTORS)
    chat, stuck = ruleset.rules
    assert (chat.name, chat.line, chat.detector, chat.severity) == ("chat-cost", 2, "level", "critical")
    assert chat.params.above == 10 and chat.params.service == "chat"
    assert chat.for_ == timedelta(minutes=5) and chat.keep_firing_for == timedelta(hours=1, minutes=30)
    assert chat.runbook == "cost-spike@2" and chat.group_by == ("alertname", "service")
    assert chat.labels["owner"].render(TemplateData({"service": "chat"})) == "chat-oncall"
    assert chat.annotations["summary"].render(TemplateData({"service": "chat"}, 12.5)) == "Spend on chat is 12.5"
    assert (stuck.kind, stuck.for_, stuck.severity) == ("sql", timedelta(0), "warning")
    assert len(ruleset.version) == 12 and ruleset.files == (str(tmp_path / "rules.yaml"),)


def test_the_version_follows_the_content(tmp_path):
    path = write(tmp_path, GOOD)
    before = load_rules([path], DETECTORS).version
    path.write_text(GOOD.replace("above: 10", "above: 11"))
    assert load_rules([path], DETECTORS).version != before


BAD = """\
rules:
  - name: unknown-detector
    detector: nope
  - name: bad-param
    detector: level
    params: {above: lots}
  - name: bad-duration
    detector: level
    for: 5 minutes
  - name: bad-template
    detector: level
    annotations:
      summary: "{{ $lables.service }}"
  - name: both
    detector: level
    sql: SELECT 1 AS value
  - name: neither
  - name: bad severity
    sql: SELECT 1 AS value
    severity: page
  - name: reserved
    sql: SELECT 1 AS value
    labels: {severity: high}
  - name: runbook
    sql: SELECT 1 AS value
    runbook: "Cost Spike"
  - name: typo
    sql: SELECT 1 AS value
    anotations: {}
  - name: unknown-detector
    sql: SELECT 1 AS value
"""


def test_every_problem_is_one_line_with_file_and_line(tmp_path):
    path = write(tmp_path, BAD)
    _, problems = check_rules([path], DETECTORS)
    f = str(path)
    assert problems == [
        f"{f}:3: rule unknown-detector: unknown detector 'nope' (known: level)",
        f"{f}:6: rule bad-param: detector level: above: Input should be a valid number, unable to parse string as a "
        "number",
        f"{f}:9: rule bad-duration: for: '5 minutes' is not a duration such as 30s, 5m, 1h or 1h30m",
        f"{f}:13: rule bad-template: annotations.summary: in {{{{ $lables.service }}}}: unknown variable $lables; "
        "known: $labels, $value, $threshold, $evidence, .Labels, .Value",
        f"{f}:14: rule both: give either `detector:` (with `params:`) or `sql:`",
        f"{f}:17: rule neither: give either `detector:` (with `params:`) or `sql:`",
        f"{f}:18: rule bad severity: name: 'bad severity' is not a rule name: letters, digits, _ . : - (starting with a letter)",
        f"{f}:20: rule bad severity: severity: Input should be 'critical', 'warning' or 'info'",
        f"{f}:23: rule reserved: labels: severity is set by the rule itself (its name and severity), not in labels",
        f"{f}:26: rule runbook: runbook: 'Cost Spike' is not a runbook id such as cost-spike or cost-spike@3",
        f"{f}:29: rule typo: anotations: unknown field",
        f"{f}:30: rule unknown-detector is already defined at {f}:2",
    ]


def test_load_refuses_a_file_with_any_problem_and_lists_them_all(tmp_path):
    with pytest.raises(RuleError) as caught:
        load_rules([write(tmp_path, BAD)], DETECTORS)
    assert len(caught.value.problems) == 12 and all(p.startswith(str(tmp_path)) for p in caught.value.problems)


def test_names_are_unique_across_files(tmp_path):
    a = write(tmp_path, "rules:\n  - name: same\n    sql: SELECT 1 AS value\n", "a.yaml")
    b = write(tmp_path, "rules:\n\n  - name: same\n    sql: SELECT 2 AS value\n", "b.yaml")
    _, problems = check_rules([a, b], DETECTORS)
    assert problems == [f"{b}:3: rule same is already defined at {a}:2"]


@pytest.mark.parametrize(("text", "problem"), [
    ("rules: [\n  {name: a", ":2: not valid YAML"),
    ("", ": empty file"),
    ("- name: a\n", ":1: expected a mapping with a top-level `rules:` list"),
    ("rules:\n  - name: a\nalerts: []\n", ":3: unknown top-level key 'alerts'"),
    ("rules: 3\n", ":1: `rules:` must be a list of rules"),
    ("other: 1\n", ":1: unknown top-level key"),
    ("rules:\n  - just text\n", ":2: a rule is a mapping"),
])
def test_files_that_cannot_be_read_as_rules(tmp_path, text, problem):
    path = write(tmp_path, text)
    _, problems = check_rules([path], DETECTORS)
    assert len(problems) == 1 and problems[0].startswith(str(path)) and problem in problems[0]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    _, problems = check_rules([tmp_path / "nope.yaml"], DETECTORS)
    assert problems == [f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory"]


def test_an_empty_rules_list_is_fine(tmp_path):
    assert load_rules([write(tmp_path, "rules:\n")], DETECTORS).rules == ()
