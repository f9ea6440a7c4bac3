"""Drift figures from the drift API's models: colours follow severity (direction-safe), untested cells say why."""

from __future__ import annotations

from client.models.drift import DriftFeature, DriftResult
from dashboard.figures import drift as drift_figures
from tests.helpers.wire import make


def _feature(name, severity=None, drifted=None, status="ok", direction="p_value", score=None) -> DriftFeature:
    return make(DriftFeature, **{"name": name, "status": status, "method": "ks" if status == "ok" else "", "score": score,
            "threshold": 0.01 if status == "ok" else None, "direction": direction if status == "ok" else "",
            "drifted": drifted, "severity": severity, "reference_values": 300, "current_values": 250,
            "bins": ["a", "b"], "reference_counts": [30, 70], "current_counts": [200, 50]})


def _result(at, features, status="ok", drifted=False, model="gpt-4o") -> DriftResult:
    return make(DriftResult, id=at, computed_at=f"2026-11-21T{at}:00.000Z", status=status, drifted=drifted,
                service_name="chat-api", model=model, feature="", features=features)


def test_heat_table_colours_by_severity_and_labels_untested_cells():
    results = [
        _result("09:00", [_feature("input_tokens", severity=10.0, drifted=True, score=1e-9),
                          _feature("ttft_ms", status="insufficient_data"),
                          _feature("finish_reason", severity=0.2, drifted=False, direction="distance", score=0.02)],
                drifted=True),
        _result("08:00", [], status="insufficient_data", drifted=None),
    ]
    untested, tested = drift_figures.heat_table(results).data
    assert list(tested.y) == ["finish_reason", "input_tokens", "ttft_ms"]
    assert list(tested.x) == ["11-21 08:00:00", "11-21 09:00:00"]  # oldest first
    # log10(severity) clipped to [-1, 1]: 10x the threshold is the top of the scale, 0.2x below 0.
    assert tested.z[1][1] == 1.0 and -1 < tested.z[0][1] < 0 and tested.z[2][1] is None
    assert tested.text[1][1] == "drifted" and tested.text[0][1] == "ok"
    # The insufficient comparison and the feature without a test are grey cells that say so.
    assert [row[0] for row in tested.text] == ["insufficient data"] * 3 and tested.z[0][0] is None
    assert untested.z[0][0] == 0.0 and untested.z[2][1] == 0.0 and untested.z[1][1] is None
    assert untested.text[2][1] == "insufficient data"


def test_verdict_never_calls_a_comparison_without_a_test_no_drift():
    assert drift_figures.verdict(_result("09:00", [], status="insufficient_data", drifted=None)) == "insufficient data"
    assert drift_figures.verdict(_result("09:00", [], drifted=False)) == "no drift"
    assert drift_figures.verdict(_result("09:00", [], drifted=True)) == "drifted"


def test_feature_rows_read_each_score_in_its_direction_most_severe_first():
    result = _result("09:00", [_feature("a", severity=0.5, drifted=False, direction="distance", score=0.05),
                               _feature("b", severity=3.0, drifted=True, score=0.001),
                               _feature("c", status="constant", drifted=False)])
    rows = drift_figures.feature_rows(result)
    assert [r["feature"] for r in rows] == ["b", "a", "c"]
    assert [r["drift when"] for r in rows] == ["p-value ≤ threshold", "distance ≥ threshold", "–"]
    assert [r["verdict"] for r in rows] == ["drifted", "no drift", "constant"]
    assert (rows[0]["score"], rows[0]["severity"]) == ("0.001", "3.00")
    assert (rows[2]["score"], rows[2]["threshold"], rows[2]["severity"]) == ("–", "–", "–"), "no test, no None"


def test_groups_put_drifted_first_and_distribution_compares_shares():
    results = [_result("09:00", [], drifted=False, model="a-model"),
               _result("09:00", [], drifted=True, model="z-model")]
    assert drift_figures.groups(results) == ["chat-api / z-model / (no feature)", "chat-api / a-model / (no feature)"]
    reference, current = drift_figures.distribution(_feature("input_tokens")).data
    assert list(reference.y) == [0.3, 0.7] and list(current.y) == [0.8, 0.2]
    assert list(reference.customdata) == [30, 70]
