"""`spyglass runbooks check|list|show|diff` as a user runs them: offline checks of the files with file:line
problems, the comparison with the versions a running service recorded, and the library read through the API."""

from __future__ import annotations

from tests.helpers.cli import spyglass
from tests.helpers.runbook_files import runbook_text, write_runbook


def test_check_passes_the_shipped_library_and_reports_overrides(tmp_path):
    write_runbook(tmp_path / "books", "cost-spike", "2.0.0")
    result = spyglass("runbooks", "check", "books", "--offline", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith("12 runbooks, library version ")
    assert result.stdout.splitlines()[0].endswith("; cost-spike overrides the shipped one")
    assert result.stdout.splitlines()[-1] == "0 problem(s)"


def test_check_reports_every_problem_with_file_and_line_and_fails(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    (books / "vector-db-slow.md").write_text(runbook_text("vector-db-slow").replace("query: spend_by_model",
                                                                                    "query: spend_by_modle"))
    (books / "queue.md").write_text(runbook_text("queue").replace("severity: warning", "severity: sev1"))
    result = spyglass("runbooks", "check", "books", "--offline", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "books/queue.md:8: severity: Input should be 'info', 'warning' or 'critical'"
    assert lines[1].startswith("books/vector-db-slow.md:10: diagnostics[0]: no diagnostic query named 'spend_by_modle'")
    assert lines[-1] == "2 problem(s)"


def test_check_reads_the_directories_of_the_settings(tmp_path):
    write_runbook(tmp_path / "books", "vector-db-slow")
    (tmp_path / "spyglass.yaml").write_text("runbooks:\n  dirs: [books]\n")
    result = spyglass("runbooks", "check", "--offline", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("13 runbooks, library version ")


def test_check_without_a_service_says_the_versions_were_not_compared(tmp_path):
    result = spyglass("runbooks", "check", "--api-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "note: no service at http://127.0.0.1:9: versions not compared with the recorded ones (--offline to " \
           "skip)" in result.stdout


def test_check_refuses_an_edit_the_running_service_recorded_under_the_same_version(service_factory, tmp_path):
    books = tmp_path / "books"
    path = write_runbook(books, "vector-db-slow")
    running = service_factory(runbooks={"dirs": [str(books)]})
    write_runbook(books, "vector-db-slow", note="Check the index.")
    result = spyglass("runbooks", "check", "books", "--api-url", running.api, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"books/vector-db-slow.md: runbook vector-db-slow version 1.0.0 is recorded by the service at " \
           f"{running.api} with other content (first seen " in result.stdout
    assert f"from {path}): a version never changes; give the edited runbook a new version" in result.stdout
    write_runbook(books, "vector-db-slow", "1.0.1", note="Check the index.")
    assert spyglass("runbooks", "check", "books", "--api-url", running.api, cwd=tmp_path).returncode == 0


def test_list_show_and_diff_through_the_api(service_factory, tmp_path):
    books = tmp_path / "books"
    first = write_runbook(books, "vector-db-slow").read_bytes()
    running = service_factory(runbooks={"dirs": [str(books)]})
    write_runbook(books, "vector-db-slow", "1.1.0", note="Check the index.")
    api = ("--api-url", running.api)
    listing = spyglass("runbooks", "list", *api, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "vector-db-slow       1.1.0      warning  user    vector-db-slow (ours)" in listing.stdout.splitlines()
    shown = spyglass("runbooks", "show", "vector-db-slow", "--version", "1.0.0", *api, cwd=tmp_path)
    assert shown.stdout.encode() == first
    diff = spyglass("runbooks", "diff", "vector-db-slow", *api, cwd=tmp_path)
    assert diff.stdout.startswith("--- vector-db-slow@1.0.0\n+++ vector-db-slow@1.1.0\n")
    missing = spyglass("runbooks", "show", "vector-db-slow", "--version", "3.0.0", *api, cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        2, "spyglass: show failed (404): runbook vector-db-slow has no recorded version 3.0.0\n")
