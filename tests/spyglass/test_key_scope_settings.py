"""`read_keys` and `admin_keys` as settings: a list keeps meaning "every project", a mapping scopes each key, and a
mistake gets one readable sentence that never quotes a key (keys are secrets)."""

from __future__ import annotations

import os

import pytest

from spyglass.config import InvalidConfiguration, Settings, load
from spyglass.service import dashboard_env


@pytest.fixture(autouse=True)
def _clean(tmp_path, monkeypatch):
    """No spyglass.yaml and no SPYGLASS_* variables but the test's own."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.upper().startswith("SPYGLASS_")]:
        monkeypatch.delenv(name)


def test_a_list_reaches_every_project_and_a_mapping_scopes_each_key():
    assert Settings(read_keys=["r1", "r2"]).read_scopes == {"r1": None, "r2": None}
    settings = Settings(read_keys={"ra": ["alpha", "beta"], "rall": "*"}, admin_keys={"aa": ["alpha"]})
    assert settings.read_scopes == {"ra": frozenset({"alpha", "beta"}), "rall": None}
    assert settings.admin_scopes == {"aa": frozenset({"alpha"})}


def test_scoped_keys_come_from_yaml_and_the_environment(tmp_path, monkeypatch):
    (tmp_path / "spyglass.yaml").write_text("read_keys:\n  ra: [alpha]\n  rall: '*'\n")
    monkeypatch.setenv("SPYGLASS_ADMIN_KEYS", '{"aa": ["alpha"]}')
    settings = load()
    assert settings.read_scopes == {"ra": frozenset({"alpha"}), "rall": None}
    assert settings.admin_scopes == {"aa": frozenset({"alpha"})}


def test_the_dashboard_and_the_cli_take_the_first_key_of_a_mapping_too():
    env = dashboard_env(Settings(read_keys={"first": "*", "second": ["a"]}, admin_keys={"boss": "*"}), {})
    assert (env["SPYGLASS_API_KEY"], env["SPYGLASS_ADMIN_KEY"]) == ("first", "boss")


@pytest.mark.parametrize(("keys", "message"), [
    ({"secret-1": "alpha"}, 'the 1st key maps to \'alpha\': give a list of projects ([a, b]) or "*" for every project'),
    ({"ok": "*", "secret-2": []}, 'the 2nd key maps to no project: give at least one, or "*" for every project'),
    ({"secret-3": ["alpha", "*"]}, 'the 1st key lists "*" among projects: write "*" alone'),
    ({"secret-4": ["alpha", ""]}, "the 1st key lists '', which is not a project name"),
    ({" ": ["alpha"]}, "the 1st key is empty"),
    (["a", "b", ""], "the 3rd key is empty"),
])
def test_a_bad_scope_is_one_clear_sentence_without_the_key(keys, message):
    for setting in ("read_keys", "admin_keys"):
        with pytest.raises(InvalidConfiguration) as err:
            load(**{setting: keys})
        [problem] = err.value.problems
        assert problem.startswith(f"{setting}: ") and message in problem, problem
        assert "secret" not in problem, problem


def test_an_admin_key_that_is_also_a_read_key_is_refused_in_either_shape():
    with pytest.raises(InvalidConfiguration, match="a key is both an admin key and in read_keys"):
        load(read_keys={"same": ["alpha"]}, admin_keys=["same"])
