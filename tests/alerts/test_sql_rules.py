"""`sql:` rules on a real store: checked at load without running, run read-only, rows become instances."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts import sql_rules
from alerts.engine import Engine
from alerts.persistence import AlertStore
from alerts.routing import RouteConfig, compile_route
from alerts.rule_source import RuleSource
from alerts.rules import check_rules
from tests.helpers.alerting import RecordingOutbox
from tests.helpers.calls import T0, insert_call

pytestmark = pytest.mark.xdist_group("alert-engine")

BUSY = """SELECT service_name AS service, team, toFloat64(count()) AS value, max(timestamp) AS last_call
FROM llm_calls FINAL
WHERE timestamp > {now:DateTime64(9)} - toIntervalSecond({interval:UInt32} * 10) AND timestamp <= {now:DateTime64(9)}
GROUP BY service_name, team HAVING value >= 2"""


def test_rows_are_instances_with_string_labels_a_value_and_the_rest_as_evidence(store):
    for i in range(3):
        insert_call(store, f"s{i}", T0, at=T0 - timedelta(seconds=i))
    [row] = sql_rules.run(store, BUSY, T0, 30)
    assert row.labels == {"service": "svc", "team": "ml"} and row.value == 3.0
    assert set(row.evidence) == {"last_call"}
    assert sql_rules.run(store, BUSY, T0 - timedelta(hours=1), 30) == []  # `now` is the evaluation time
    assert sql_rules.run(store, BUSY, T0 + timedelta(seconds=301), 30) == []  # and `interval` its interval


def test_a_null_value_is_no_instance(store):
    assert sql_rules.run(store, "SELECT 'a' AS s, CAST(NULL AS Nullable(Float64)) AS value", T0, 30) == []


@pytest.mark.parametrize(("sql", "problem"), [
    ("SELECT service_name FROM llm_calls", "the query returns no `value` column (it returns service_name)"),
    ("SELECT service_name AS value FROM llm_calls", "the `value` column is LowCardinality(String), not a number"),
    ("SELECT count() AS value FROM no_such_table", "Unknown table"),
    ("SELEC 1 AS value", "Syntax error"),
    ("INSERT INTO llm_calls (span_id) VALUES ('x')", "Syntax error"),
    ("SELECT 1 AS value; DROP TABLE llm_calls", "Syntax error"),
    ("SELECT toFloat64(count()) AS value FROM file('/etc/hostname', 'LineAsString')", "rule queries run read-only"),
    ("SELECT 'x' AS alertname, 1 AS value", "column alertname would be replaced"),
    ("   ", "the query is empty"),
])
def test_a_query_that_cannot_be_a_rule_is_refused_at_load_with_its_line(store, tmp_path, sql, problem):
    path = tmp_path / "rules.yaml"
    path.write_text(f"rules:\n  - name: q\n    sql: {sql!r}\n")
    _, problems = check_rules([path], {}, sql_rules.probe(store))
    assert len(problems) == 1 and problems[0].startswith(f"{path}:3: rule q: sql: ") and problem in problems[0]
    assert query_count(store) == 0  # nothing was written by the check


def query_count(store) -> int:
    return store.query_arrow("SELECT count() AS n FROM llm_calls").column("n")[0].as_py()


def test_syntax_errors_are_placed_in_the_rules_own_query(store):
    with pytest.raises(ValueError, match=r"position 7 \(1\) \(line 1, col 7\)"):
        sql_rules.columns(store, "SELEC 1 AS value")


def test_the_engine_evaluates_sql_rules_and_a_bad_edit_keeps_the_last_good_rules(store, tmp_path):
    path = tmp_path / "rules.yaml"
    query = "\n".join(f"      {line}" for line in BUSY.splitlines())
    path.write_text(f"rules:\n  - name: busy\n    sql: |\n{query}\n"
                    "    annotations: {summary: '{{ $labels.service }} made {{ $value }} calls'}\n")
    source = RuleSource([path], {}, store, include_shipped=False)
    engine = Engine(store, source, {}, RecordingOutbox(), compile_route(RouteConfig()), interval_seconds=30)
    for i in range(2):
        insert_call(store, f"s{i}", T0, at=T0 - timedelta(seconds=i))
    engine.evaluate(T0)
    [state] = AlertStore(store).states().values()
    assert (state.status, state.value, state.annotations["summary"]) == ("firing", 2.0, "svc made 2 calls")
    assert state.labels == {"service": "svc", "team": "ml", "alertname": "busy", "severity": "warning"}
    version = source.status().version
    path.write_text("rules:\n  - name: busy\n    sql: SELECT 1\n")
    engine.evaluate(T0 + timedelta(seconds=30))
    status = source.status()
    assert status.version == version and "returns no `value` column" in status.error and ":3: rule busy" in status.error
    assert [s.status for s in AlertStore(store).states().values()] == ["firing"]
