"""`alerts:` settings: a malformed route or inhibition rule is one line per problem, with where it was written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spyglass import alerting
from spyglass.config import InvalidConfiguration, load


def test_a_route_tree_and_inhibit_rules_load_and_compile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spyglass.yaml").write_text("""alerts:
  receivers:
    - {name: team, type: webhook, url: "http://127.0.0.1:9/team"}
    - {name: pager, type: webhook, url: "http://127.0.0.1:9/pager"}
  route:
    receiver: team
    group_wait: 10s
    routes:
      - {matchers: ['severity="critical"'], receiver: pager, repeat_interval: 1h}
  inhibit_rules:
    - {source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [service]}
""")
    settings = load()
    root = alerting.route(settings)
    assert [(r.receiver, r.group_wait, r.repeat_interval) for r in root.walk()] == [
        ("team", timedelta(seconds=10), timedelta(hours=4)), ("pager", timedelta(seconds=10), timedelta(hours=1))]
    [rule] = alerting.inhibit_rules(settings)
    assert [str(m) for m in rule.source] == ['severity="critical"'] and rule.equal == ("service",)


@pytest.mark.parametrize(("text", "problem"), [
    ("alerts:\n  route:\n    matchers: [a=b]\n",
     "alerts.route: the root route matches every alert and cannot have matchers (from alerts.route in spyglass.yaml line 2)"),
    ("alerts:\n  route:\n    group_wait: soon\n",
     "alerts.route.group_wait: 'soon' is not a duration such as 30s, 5m, 1h or 1h30m"),
    ("alerts:\n  route:\n    routes:\n      - matchers: [team]\n",
     "alerts.route.routes.0.matchers: 'team' is not a matcher"),
    ("alerts:\n  route:\n    routes:\n      - recevier: x\n", "alerts.route.routes.0.recevier: unknown key"),
    ("alerts:\n  receivers: [{name: team, type: webhook, url: 'http://127.0.0.1:9/'}]\n  route:\n    receiver: team\n"
     "    routes:\n      - {matchers: [a=b], receiver: pagr}\n",
     "route names receivers that are not in alerts.receivers: pagr (known: team)"),
    ("alerts:\n  inhibit_rules:\n    - {source_matchers: ['a=\"1\"'], target_matchers: []}\n",
     "alerts.inhibit_rules.0.target_matchers: List should have at least 1 item"),
])
def test_malformed_routes_and_inhibit_rules_are_one_line_each(tmp_path, monkeypatch, text, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spyglass.yaml").write_text(text)
    with pytest.raises(InvalidConfiguration) as caught:
        load()
    assert len(caught.value.problems) == 1 and problem in caught.value.problems[0], caught.value.problems
    assert "\n" not in caught.value.problems[0]
