"""The drift API against the real service: results with their features, reports served as HTML,
404s for unknown ids, 400s for bad ids and parameters; and the scheduler runs the drift job."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from pipelines.drift.job import DriftConfig, run_drift_job
from tests.helpers.drift_data import NOW, insert_windows
from tests.helpers.wait import eventually


@pytest.fixture
def drifted(service_factory, tmp_path):
    """A service whose store holds two comparisons: gpt-4o drifted (input tokens ×2), claude steady;
    plus one insufficient_data comparison (too few calls)."""
    service = service_factory(drift={"reports_dir": tmp_path})
    rng = np.random.default_rng(21)
    insert_windows(service.store, rng, "gpt-4o", (400, 300), input_scale=2.0)
    insert_windows(service.store, rng, "claude-sonnet-4", (400, 300))
    insert_windows(service.store, rng, "tiny-model", (400, 20))
    run_drift_job(service.store, DriftConfig(), NOW, tmp_path)
    return service


def get(service, path: str, params=None) -> httpx.Response:
    return httpx.get(f"{service.api}{path}", params=params, timeout=30)


def test_results_features_reports_and_latest(drifted, tmp_path):
    body = get(drifted, "/api/v1/drift").json()
    results = {r["model"]: r for r in body["results"]}
    assert set(results) == {"gpt-4o", "claude-sonnet-4", "tiny-model"}
    assert (results["gpt-4o"]["status"], results["gpt-4o"]["drifted"]) == ("ok", True)
    assert (results["claude-sonnet-4"]["status"], results["claude-sonnet-4"]["drifted"]) == ("ok", False)
    tiny = results["tiny-model"]
    assert (tiny["status"], tiny["drifted"], tiny["features"], tiny["current_rows"]) == \
        ("insufficient_data", None, [], 20)
    features = {f["name"]: f for f in results["gpt-4o"]["features"]}
    assert features["input_tokens"]["drifted"] is True
    for f in [*features.values(), *results["claude-sonnet-4"]["features"]]:
        if f["status"] == "ok":  # severity is above 1 exactly when the feature drifted, whatever the test
            assert f["direction"] in ("p_value", "distance")
            assert (f["severity"] >= 1) == f["drifted"], f
    assert results["gpt-4o"]["current_since"].endswith("Z") and results["gpt-4o"]["report_file"]
    only = get(drifted, "/api/v1/drift", {"model": "gpt-4o", "service": "chat-api", "feature": "answer"}).json()
    assert [r["model"] for r in only["results"]] == ["gpt-4o"]
    assert get(drifted, "/api/v1/drift", {"feature": "other"}).json()["results"] == []

    # One comparison by id, and its HTML report.
    result = results["gpt-4o"]
    assert get(drifted, f"/api/v1/drift/{result['id']}").json() == result
    report = get(drifted, f"/api/v1/drift/{result['id']}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "<html" in report.text.lower() and "input_tokens" in report.text

    # A second run: the list has both, `latest` keeps the newest per group.
    run_drift_job(drifted.store, DriftConfig(), NOW, tmp_path)
    everything = get(drifted, "/api/v1/drift").json()["results"]
    latest = get(drifted, "/api/v1/drift", {"latest": "true"}).json()["results"]
    assert len(everything) == 6 and len(latest) == 3
    newest = {r["model"]: r["id"] for r in sorted(everything, key=lambda r: r["computed_at"])}
    assert {r["model"]: r["id"] for r in latest} == newest


def test_unknown_ids_are_404_and_bad_ids_400(drifted):
    unknown = "0" * 32
    for path in (f"/api/v1/drift/{unknown}", f"/api/v1/drift/{unknown}/report"):
        response = get(drifted, path)
        assert response.status_code == 404 and unknown in response.json()["error"]
    for bad in ("abc", "....", "..%5C..%5Cwin.ini", "0" * 31 + "g", "A" * 32):
        response = get(drifted, f"/api/v1/drift/{bad}/report")
        assert response.status_code == 400 and "32 hexadecimal digits" in response.json()["error"], bad
    # An encoded slash splits the path: no route matches, and no file is read.
    traversal = get(drifted, "/api/v1/drift/..%2F..%2Fetc%2Fpasswd/report")
    assert traversal.status_code == 404 and "text/html" not in traversal.headers["content-type"]
    [tiny] = get(drifted, "/api/v1/drift", {"model": "tiny-model"}).json()["results"]
    response = get(drifted, f"/api/v1/drift/{tiny['id']}/report")
    assert response.status_code == 404 and "insufficient_data" in response.json()["error"]


@pytest.mark.parametrize("params, fragment", [
    ({"since": "yesterday"}, "since"),
    ({"limit": "0"}, "limit"),
    ({"latest": "perhaps"}, "latest"),
    ({"since": "1h", "until": "2h"}, "must be before"),
])
def test_bad_parameters_are_400_with_a_message(service, params, fragment):
    response = get(service, "/api/v1/drift", params)
    assert response.status_code == 400 and fragment in response.json()["error"]


def test_the_scheduler_runs_the_drift_job(service):
    job = eventually(lambda: (job := get(service, "/readyz").json()["jobs"]["drift"])["runs"] and job,
                     what="a drift job run")
    assert job["runs"] >= 1 and job["last_error"] == ""
    assert job["last_result"]["groups"] == 0 and len(job["last_result"]["run_id"]) == 32
