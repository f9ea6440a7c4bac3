"""The rule file examples of the README load: their sql queries against the real schema, their detector rules
by detector name."""

from __future__ import annotations

import re
from pathlib import Path

from alerts.rules import check_text
from alerts.sql_rules import probe
from detectors.registry import DETECTORS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_rule_files_are_valid(store):
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S) if b.startswith("# rule file")]
    assert blocks
    for block in blocks:
        rules, problems = check_text(block, "README.md", DETECTORS, probe(store))
        assert problems == [] and {r.kind for r in rules} == {"detector cost_anomaly", "sql"}
