"""The library: the shipped runbooks plus the user's directories, overrides, refusals, and what a rule's
`runbook:` reference may say."""

from __future__ import annotations

import pytest

from runbooks.document import RunbookError
from runbooks.library import SHIPPED_DIR, check_reference, load, newest_first, parse_reference, watched
from tests.helpers.runbook_files import runbook_text, write_runbook

SHIPPED_IDS = ["budget-forecast", "change-regression", "cost-spike", "gpu-idle", "gpu-saturation", "ingest-stopped",
               "input-drift", "latency-regression", "quality-drop", "slo-burn", "ttft-regression", "unpriced-model"]


def problems(*dirs) -> list[str]:
    with pytest.raises(RunbookError) as caught:
        load(dirs)
    return caught.value.problems


def test_the_shipped_library_alone():
    library = load()
    assert list(library.runbooks) == SHIPPED_IDS
    assert library.overrides == {} and library.dirs == (SHIPPED_DIR,)


def test_a_user_runbook_adds_to_the_library_and_one_with_a_shipped_id_overrides_it(tmp_path):
    write_runbook(tmp_path, "vector-db-slow")
    ours = write_runbook(tmp_path, "cost-spike", "2.0.0")
    library = load([tmp_path])
    assert list(library.runbooks) == sorted([*SHIPPED_IDS, "vector-db-slow"])
    assert library.get("cost-spike").path == str(ours) and library.get("cost-spike").version == "2.0.0"
    assert library.overrides == {"cost-spike": str(SHIPPED_DIR / "cost-spike.md")}
    assert (library.is_shipped("cost-spike"), library.is_shipped("slo-burn")) == (False, True)
    assert library.version != load().version


def test_the_library_version_changes_with_any_runbook_text(tmp_path):
    write_runbook(tmp_path, "vector-db-slow")
    before = load([tmp_path]).version
    assert load([tmp_path]).version == before
    write_runbook(tmp_path, "vector-db-slow", note="Check the index.")
    assert load([tmp_path]).version != before


def test_two_user_runbooks_with_one_id_are_refused(tmp_path):
    first, second = write_runbook(tmp_path / "a", "vector-db-slow"), write_runbook(tmp_path / "b", "vector-db-slow")
    assert problems(tmp_path / "a", tmp_path / "b") == [
        f"{second}:1: runbook vector-db-slow is also defined in {first}; a user runbook id must be unique (only a "
        "shipped runbook may be overridden)"]


def test_every_problem_of_every_file_at_once(tmp_path):
    (tmp_path / "misnamed.md").write_text(runbook_text("vector-db-slow"))
    (tmp_path / "broken.md").write_text("no front matter\n")
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "notes.txt").write_text("not a runbook: ignored")
    assert problems(tmp_path, tmp_path / "missing") == [
        f"{tmp_path / 'missing'}: runbook directory not found",
        f"{tmp_path / 'broken.md'}:1: a runbook starts with YAML front matter between two '---' lines",
        f"{tmp_path / 'latin1.md'}: not UTF-8 text (unexpected end of data at byte 3)",
        f"{tmp_path / 'misnamed.md'}:2: the file of runbook vector-db-slow must be named vector-db-slow.md",
    ]


def test_the_watched_paths_are_the_directories_and_their_runbooks(tmp_path):
    path = write_runbook(tmp_path, "vector-db-slow")
    assert watched([tmp_path, tmp_path / "missing"]) == [tmp_path, path, tmp_path / "missing"]


def test_versions_sort_as_semantic_versions_newest_first():
    assert newest_first(["1.9.0", "1.10.0", "1.2.0", "2.0.0-rc.1", "2.0.0"]) == \
        ["2.0.0", "2.0.0-rc.1", "1.10.0", "1.9.0", "1.2.0"]


def test_references_are_an_id_or_an_id_at_a_semantic_version():
    assert parse_reference("cost-spike") == ("cost-spike", None)
    assert parse_reference("cost-spike@1.2.0") == ("cost-spike", "1.2.0")
    for bad in ("cost-spike@3", "Cost-Spike", "cost-spike@", "@1.0.0", "cost spike"):
        with pytest.raises(ValueError, match="is not a runbook reference such as cost-spike or cost-spike@1.2.0"):
            parse_reference(bad)


def test_a_rule_reference_is_checked_against_the_runbook_files():
    library = load()
    assert check_reference("cost-spike", library) is None
    assert check_reference("cost-spike@0.9.0", library) is None  # the service checks the versions it recorded
    assert check_reference("cost-spiek", library).startswith("runbook 'cost-spiek' does not exist (runbooks: "
                                                             "budget-forecast, change-regression, cost-spike, ")
    assert check_reference("cost-spike@3", library) == \
        "'cost-spike@3' is not a runbook reference such as cost-spike or cost-spike@1.2.0"
