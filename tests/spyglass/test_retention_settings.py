"""`retention:` settings: days or never per family, from YAML, the environment and flags; a rollup that would keep
less than its source, or a value that is not days, is refused with a line that names the setting."""

from __future__ import annotations

import os

import pytest

from spyglass.config import InvalidConfiguration, load
from tests.helpers.cli import spyglass


@pytest.fixture(autouse=True)
def _clean(tmp_path, monkeypatch):
    """No spyglass.yaml and no SPYGLASS_* variables but the test's own."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.upper().startswith("SPYGLASS_")]:
        monkeypatch.delenv(name)


def test_defaults_keep_raw_data_a_month_calls_400_days_rollups_two_years_and_history_forever():
    assert load().retention.days() == {"raw": 30, "gpu_samples": 30, "calls": 400, "rollups": 730, "history": None}


def test_never_and_days_come_from_yaml_the_environment_and_flags(tmp_path, monkeypatch):
    (tmp_path / "spyglass.yaml").write_text("retention:\n  raw_days: 14\n  history_days: 3650\n")
    monkeypatch.setenv("SPYGLASS_RETENTION__CALLS_DAYS", "Never")
    days = load(retention={"rollups_days": "never", "gpu_samples_days": "7"}).retention.days()
    assert days == {"raw": 14, "gpu_samples": 7, "calls": None, "rollups": None, "history": 3650}


@pytest.mark.parametrize(("given", "problem"), [
    ({"rollups_days": "100"}, "retention: rollups_days (100) is shorter than calls_days (400)"),
    ({"calls_days": "never"}, "retention: rollups_days (730) is shorter than calls_days (never)"),
    ({"gpu_samples_days": "1000"}, "retention: rollups_days (730) is shorter than gpu_samples_days (1000)"),
    ({"raw_days": "0"}, "retention.raw_days: Input should be greater than or equal to 1"),
    ({"history_days": "forever"}, "retention.history_days: expected a whole number of days (at least 1) or never"),
    ({"calls_days": "1.5"}, "retention.calls_days: expected a whole number of days"),
])
def test_a_bad_retention_is_one_line_naming_the_setting(given, problem):
    with pytest.raises(InvalidConfiguration) as err:
        load(retention=given)
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith(problem), err.value.problems


def test_the_cli_refuses_a_rollup_shorter_than_its_source_before_touching_the_store(tmp_path):
    result = spyglass("up", "--data-dir", str(tmp_path / "d"), "--retention-rollups-days", "90", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "spyglass: invalid configuration: retention: rollups_days (90) is shorter than calls_days (400): a rollup "
        "cannot be recomputed once its source is gone, so it must keep at least as long (from "
        "--retention-rollups-days)"]
    assert not (tmp_path / "d").exists(), "nothing is created, so nothing is changed"
