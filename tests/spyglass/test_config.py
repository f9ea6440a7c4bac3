"""The configuration: nested sections from flags over environment over spyglass.yaml over defaults,
the previous release's flat names still working with a warning, every problem reported at once,
and the flags and docs/configuration.md generated from the models."""

from __future__ import annotations

import argparse
import logging
import os
import re
from decimal import Decimal

import pytest
import yaml

from spyglass.config import InvalidConfiguration, Settings, load
from spyglass.config.flags import add_setting_flags, overrides_from
from spyglass.config.reference import DOC, render
from spyglass.config.walk import sections, settings_of
from tests.helpers.cli import spyglass


@pytest.fixture(autouse=True)
def _clean(tmp_path, monkeypatch):
    """No spyglass.yaml and no SPYGLASS_* variables but the test's own."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.upper().startswith("SPYGLASS_")]:
        monkeypatch.delenv(name)


def _flags(*argv: str) -> dict:
    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    return overrides_from(parser.parse_args(list(argv)))


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "spyglass.config" and r.levelno == logging.WARNING]


def test_nested_precedence_flag_env_yaml_default(tmp_path, monkeypatch):
    (tmp_path / "spyglass.yaml").write_text(
        "costs:\n  interval_seconds: 10\n  rollup-interval-seconds: 11\n  catalog_files: [a.yaml]\n"
        "gpu:\n  host_prices: {node-1: 2.10}\n")
    monkeypatch.setenv("SPYGLASS_COSTS__ROLLUP_INTERVAL_SECONDS", "21")
    monkeypatch.setenv("SPYGLASS_COSTS__INTERVAL_SECONDS", "20")
    monkeypatch.setenv("SPYGLASS_GPU__SELF_HOSTED_PROVIDERS", '["vllm"]')
    settings = load(**_flags("--costs-interval-seconds", "30", "--roles", "collector,api", "--no-dashboard",
                             "--gpu-host-map", '{"pod-1": "node-1"}'))
    costs = settings.costs
    assert (costs.interval_seconds, costs.rollup_interval_seconds, costs.catalog_files) == (30, 21, ["a.yaml"])
    assert costs.budgets == [] and settings.costs.model_fields_set == {"interval_seconds", "rollup_interval_seconds",
                                                                        "catalog_files"}
    assert settings.gpu.host_prices == {"node-1": Decimal("2.10")} and settings.gpu.host_map == {"pod-1": "node-1"}
    assert settings.gpu.self_hosted_providers == ["vllm"] and settings.gpu.idle_min_seconds == 1800
    assert settings.roles == ("collector", "api") and settings.dashboard is False
    assert settings.quality.pass_threshold == 0.5  # untouched sections keep their defaults


def test_lists_in_flags_are_comma_separated_or_json_and_mappings_json():
    settings = load(**_flags("--read-keys", '["k1", "k,2"]', "--content-capture-projects", "a, b",
                             "--costs-budgets", '[{"name": "ml", "scope": "team", "value": "ml", "monthly": 0.1}]'))
    assert settings.read_keys == ["k1", "k,2"] and settings.content.capture_projects == ["a", "b"]
    assert settings.costs.budgets[0].monthly == Decimal("0.1")  # JSON numbers read as exact decimals


def test_old_flat_names_map_with_one_warning_each(tmp_path, monkeypatch, caplog):
    (tmp_path / "spyglass.yaml").write_text("host: 0.0.0.0\ncost_interval_seconds: 7\n")
    monkeypatch.setenv("SPYGLASS_GPU_IDLE_MIN_SECONDS", "600")
    with caplog.at_level(logging.WARNING, "spyglass.config"):
        settings = load(**_flags("--decode-workers", "3"))
    assert (settings.costs.interval_seconds, settings.gpu.idle_min_seconds) == (7, 600)
    assert settings.collector.decode_workers == 3 and settings.host == "0.0.0.0"
    warnings = _warnings(caplog)
    assert len(warnings) == 3, warnings
    assert any("cost_interval_seconds in spyglass.yaml line 2 is deprecated" in w and "use costs.interval_seconds"
               in w for w in warnings)
    assert any("SPYGLASS_GPU_IDLE_MIN_SECONDS is deprecated" in w and "use SPYGLASS_GPU__IDLE_MIN_SECONDS" in w
               for w in warnings)
    assert any("--decode-workers is deprecated" in w and "use --collector-decode-workers" in w for w in warnings)


def test_given_both_ways_the_new_key_wins_and_the_warning_says_so(tmp_path, monkeypatch, caplog):
    (tmp_path / "spyglass.yaml").write_text("drift:\n  min_rows: 50\n")
    monkeypatch.setenv("SPYGLASS_DRIFT_MIN_ROWS", "70")  # old name, higher form: the new name still wins
    with caplog.at_level(logging.WARNING, "spyglass.config"):
        settings = load(drift_alpha=0.2, drift={"alpha": 0.1})
    assert (settings.drift.min_rows, settings.drift.alpha) == (50, 0.1)
    warnings = _warnings(caplog)
    assert len(warnings) == 2, warnings
    assert any(w.startswith("SPYGLASS_DRIFT_MIN_ROWS is deprecated and ignored: drift.min_rows in spyglass.yaml "
                            "line 2 is also given, and the new key wins") for w in warnings)
    assert any(w.startswith("--drift-alpha is deprecated and ignored: --drift-alpha") for w in warnings)


def test_the_old_flag_still_works_from_the_command_line(tmp_path):
    result = spyglass("up", "--data-dir", str(tmp_path / "d"), "--decode-workers", "many", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--decode-workers is deprecated" in result.stderr and "--collector-decode-workers" in result.stderr
    assert ("collector.decode_workers: Input should be a valid integer, unable to parse string as an integer, "
            "got 'many' (from --decode-workers)") in result.stderr
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("yaml_text, message", [
    ("costs:\n  intervall_seconds: 5\n", "costs.intervall_seconds: unknown setting in section costs (its settings: "
                                         "interval_seconds, rollup_interval_seconds, trace_summary_interval_seconds, "
                                         "catalog_files, deployments, budgets) "
                                         "(from costs.intervall_seconds in spyglass.yaml line 2)"),
    ("cost_intervall_seconds: 5\n", "cost_intervall_seconds: unknown setting (sections: collector, content, "
                                    "telemetry, maintenance, costs, gpu, quality, drift, alerts, runbooks, releases, "
                                    "retention); "
                                    "did you mean costs.interval_seconds?"),
    ("gpu: 5\n", "gpu: Input should be a valid dictionary"),
])
def test_unknown_keys_are_refused_naming_their_section(tmp_path, yaml_text, message):
    (tmp_path / "spyglass.yaml").write_text(yaml_text)
    with pytest.raises(InvalidConfiguration) as err:
        load()
    assert len(err.value.problems) == 1 and message in err.value.problems[0], err.value.problems


def test_an_empty_section_is_no_section_and_the_log_level_is_checked(tmp_path):
    (tmp_path / "spyglass.yaml").write_text("costs:\n  # interval_seconds: 5\nlog_level: debug\n")
    settings = load()
    assert (settings.costs.interval_seconds, settings.log_level) == (30, "DEBUG")
    with pytest.raises(InvalidConfiguration, match="log_level: expected DEBUG, INFO, WARNING, ERROR or CRITICAL"):
        load(log_level="loud")


def test_an_unknown_key_in_a_section_is_refused_from_the_environment_too(monkeypatch):
    monkeypatch.setenv("SPYGLASS_DRIFT__WINDOW", "6h")
    monkeypatch.setenv("SPYGLASS_NOT_A_SETTING", "1")  # SPYGLASS_* outside a section may be another tool's
    with pytest.raises(InvalidConfiguration, match="drift.window: unknown setting in section drift .* "
                                                   r"\(from SPYGLASS_DRIFT__WINDOW\)"):
        load()


def test_every_problem_is_reported_at_once(tmp_path, monkeypatch):
    (tmp_path / "spyglass.yaml").write_text(
        "api_port: 70000\ncosts:\n  interval_seconds: -1\ngpu:\n  token_weights: {prompt: 1}\n")
    monkeypatch.setenv("SPYGLASS_INGEST_KEYS", "k=p")
    with pytest.raises(InvalidConfiguration) as err:
        load(drift={"current_window": "soon"})
    problems = err.value.problems
    assert len(problems) == 5, problems
    assert problems[0].startswith("ingest_keys: SPYGLASS_INGEST_KEYS is not valid JSON")
    assert any(p.startswith("api_port: Input should be less than or equal to 65535, got 70000 "
                            "(from api_port in spyglass.yaml line 1)") for p in problems)
    assert any(p.startswith("costs.interval_seconds: Input should be greater than 0") for p in problems)
    assert any("gpu.token_weights: unknown token kinds ['prompt']" in p for p in problems)
    assert any(p.startswith("drift.current_window:") and "--drift-current-window" in p for p in problems)
    assert str(err.value).splitlines()[0] == "invalid configuration (5 problems):"


def test_the_cli_prints_every_problem_one_per_line_and_exits_2(tmp_path):
    (tmp_path / "spyglass.yaml").write_text("api_port: x\ncosts:\n  interval_seconds: 0\nroles: [wizard]\n")
    result = spyglass("up", "--data-dir", str(tmp_path / "d"), "--gpu-idle-min-seconds", "5", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "spyglass: invalid configuration (4 problems):"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "api_port", "roles", "costs.interval_seconds", "gpu.idle_min_seconds"]
    assert not (tmp_path / "d").exists(), "nothing is created before the configuration is valid"


def test_a_yaml_error_names_its_line(tmp_path):
    (tmp_path / "spyglass.yaml").write_text("host: 0.0.0.0\ncosts:\n  interval_seconds: [1\n")
    with pytest.raises(InvalidConfiguration, match="spyglass.yaml: not valid YAML at line 4"):
        load()


def test_every_setting_has_a_description_and_a_generated_flag():
    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    options = {option for action in parser._actions for option in action.option_strings}
    settings = settings_of(Settings)
    assert len(settings) >= 61
    for name, info in sections(Settings).items():
        assert info.description, f"section {name} has no description"
    for setting in settings:
        key = ".".join(setting.key)
        assert setting.description.strip(), f"{key} has no description"
        flag = "--" + "-".join(setting.key).replace("_", "-")
        assert flag in options, f"{key} has no flag"
        if setting.kind == "bool":
            assert "--no-" + flag[2:] in options
            continue
        parsed = overrides_from(parser.parse_args([flag, "v"]))
        assert (parsed[setting.key[0]] if len(setting.key) == 1 else parsed[setting.key[0]][setting.key[1]]) == "v"


def test_the_reference_doc_is_current():
    assert DOC.read_text() == render(), "docs/configuration.md is stale: run python -m spyglass.config.reference"
    for setting in settings_of(Settings):
        assert f"`{'.'.join(setting.key)}`" in render()


def test_the_readme_examples_are_valid_settings(monkeypatch):
    readme = (DOC.parents[1] / "README.md").read_text()
    for name in re.findall(r"\$\{(SPYGLASS_\w+)\}", readme):  # secrets the examples take from the environment
        example = {"_URL": "https://example.com/secret", "_WEBHOOK_SECRET": "whsec_" + "A" * 32}
        monkeypatch.setenv(name, next((v for end, v in example.items() if name.endswith(end)), "secret"))
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    # Price catalog files and alert rule files have their own checks (tests/alerts/test_readme_rules.py); a CI
    # workflow and a Prometheus configuration are not ours to check.
    settings = [b for b in blocks if not b.startswith(("# price file", "# rule file", "# CI workflow", "# prometheus.yml"))]
    assert len(settings) >= 5
    for block in settings:
        Settings.model_validate(yaml.safe_load(block))
