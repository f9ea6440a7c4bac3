"""Runbook versions in a real store: recorded once and never changed, read back byte for byte, resolved by
`id` and `id@version`, listed in semantic-version order, compared; and the service's source that reloads
the files and keeps the last good library."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from runbooks import versions
from runbooks.document import RunbookError
from runbooks.library import load
from runbooks.source import RunbookSource
from runbooks.versions import UnknownRunbook
from store import query_rows
from store.errors import BadInput
from tests.helpers.runbook_files import runbook_text, write_runbook

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def stamp(path, n: int) -> None:
    """A distinct modification time, so the source sees an edit even within one clock tick."""
    os.utime(path, ns=(n * 10**9, n * 10**9))


def rows(store) -> list[tuple[str, str]]:
    """The recorded (id, version)s of the tests' own runbooks (the shipped ones are recorded too)."""
    return [(r["id"], r["version"]) for r in query_rows(
        store, "SELECT id, version FROM runbook_versions WHERE id NOT IN {shipped:Array(String)} ORDER BY id, version",
        {"shipped": list(load().runbooks)})]


def test_versions_are_recorded_once_and_read_back_byte_for_byte(store, tmp_path):
    path = tmp_path / "vector-db-slow.md"
    text = runbook_text("vector-db-slow").replace("\n", "\r\n").replace("Check the spend.", "Vérifier l'index ✓")
    path.write_bytes(text.rstrip("\r\n").encode())  # CRLF, non-ASCII, no newline at the end
    library = load([tmp_path])
    new = versions.record(store, library, T0)
    assert {(v.id, v.version) for v in new} == {(r.id, r.version) for r in library.runbooks.values()}
    assert versions.record(store, library, T0 + timedelta(hours=1)) == []
    found = versions.read(store, library, "vector-db-slow", "1.0.0")
    assert found.stored.body.encode() == path.read_bytes() and found.in_force
    assert (found.stored.first_seen, found.stored.path) == (T0, str(path))
    assert found.stored.content_sha256 == library.get("vector-db-slow").sha256
    assert [s.text for s in found.runbook.steps] == ["Vérifier l'index ✓", "Roll back the last change."]


def test_a_changed_runbook_under_a_recorded_version_is_refused_and_nothing_is_written(store, tmp_path):
    write_runbook(tmp_path, "vector-db-slow")
    versions.record(store, load([tmp_path]), T0)
    edited = write_runbook(tmp_path, "vector-db-slow", note="Check the index.")
    write_runbook(tmp_path, "queue-backlog")  # new, but recorded only with a library that is all good
    with pytest.raises(RunbookError) as caught:
        versions.record(store, load([tmp_path]), T0 + timedelta(hours=1))
    assert caught.value.problems == [
        f"{edited}: runbook vector-db-slow version 1.0.0 is already recorded with other content (first seen "
        f"2026-11-20 09:00:00 UTC from {edited}): a version never changes; give the edited runbook a new version "
        "(e.g. 1.0.1); version 1.0.0 stays as recorded"]
    assert rows(store) == [("vector-db-slow", "1.0.0")]
    assert "Check the spend." in versions.read(store, load(), "vector-db-slow", "1.0.0").stored.body


def test_id_resolves_to_the_version_in_force_and_id_at_version_to_any_recorded_one(store, tmp_path):
    write_runbook(tmp_path, "vector-db-slow", "1.0.0")
    versions.record(store, load([tmp_path]), T0)
    write_runbook(tmp_path, "vector-db-slow", "1.1.0", note="Check the index.")
    library = load([tmp_path])
    versions.record(store, library, T0 + timedelta(hours=1))
    current = versions.resolve(store, library, "vector-db-slow")
    assert (current.stored.version, current.in_force, current.runbook.steps[0].text) == \
        ("1.1.0", True, "Check the index.")
    pinned = versions.resolve(store, library, "vector-db-slow@1.0.0")
    assert (pinned.stored.version, pinned.in_force, pinned.runbook.steps[0].text) == \
        ("1.0.0", False, "Check the spend.")
    with pytest.raises(UnknownRunbook, match="runbook vector-db-slow has no recorded version 2.0.0"):
        versions.resolve(store, library, "vector-db-slow@2.0.0")
    with pytest.raises(BadInput, match="is not a runbook reference"):
        versions.resolve(store, library, "vector-db-slow@2")
    (tmp_path / "vector-db-slow.md").unlink()  # gone from the files: only a pin still reaches it
    with pytest.raises(UnknownRunbook, match="no runbook 'vector-db-slow' in force"):
        versions.resolve(store, load([tmp_path]), "vector-db-slow")
    assert versions.resolve(store, load([tmp_path]), "vector-db-slow@1.1.0").stored.version == "1.1.0"


def test_versions_are_listed_newest_first_in_semantic_version_order(store, tmp_path):
    for i, version in enumerate(("1.2.0", "1.10.0", "1.9.0")):
        write_runbook(tmp_path, "vector-db-slow", version, note=f"Step for {version}.")
        versions.record(store, load([tmp_path]), T0 + timedelta(minutes=i))
    listed = versions.versions(store, "vector-db-slow")
    assert [(v.version, v.first_seen) for v in listed] == [
        ("1.10.0", T0 + timedelta(minutes=1)), ("1.9.0", T0 + timedelta(minutes=2)), ("1.2.0", T0)]
    assert versions.versions(store, "never-seen") == []


def test_a_unified_diff_between_two_recorded_versions(store, tmp_path):
    write_runbook(tmp_path, "vector-db-slow", "1.0.0")
    versions.record(store, load([tmp_path]), T0)
    write_runbook(tmp_path, "vector-db-slow", "1.1.0", note="Check the index.")
    versions.record(store, load([tmp_path]), T0)
    assert versions.diff(store, "vector-db-slow", "1.0.0", "1.1.0") == """\
--- vector-db-slow@1.0.0
+++ vector-db-slow@1.1.0
@@ -1,7 +1,7 @@
 ---
 id: vector-db-slow
 title: vector-db-slow (ours)
-version: 1.0.0
+version: 1.1.0
 owners: [sre]
 applies_to:
   alerts: [vector-db-slow]
@@ -12,5 +12,5 @@
 ---
 # vector-db-slow
 
-- [ ] Check the spend.
+- [ ] Check the index.
 - [ ] Roll back the last change.
"""
    assert versions.diff(store, "vector-db-slow", "1.1.0", "1.1.0") == ""
    with pytest.raises(UnknownRunbook, match="has no recorded version 0.1.0"):
        versions.diff(store, "vector-db-slow", "0.1.0", "1.1.0")


def test_the_source_records_at_start_reloads_edits_and_keeps_the_last_good_library(store, tmp_path):
    clock = iter(T0 + timedelta(minutes=i) for i in range(10))
    path = write_runbook(tmp_path, "vector-db-slow")
    source = RunbookSource(store, [tmp_path], clock=lambda: next(clock))
    assert source.current().get("vector-db-slow").version == "1.0.0" and source.status().error == ""
    assert rows(store) == [("vector-db-slow", "1.0.0")]

    write_runbook(tmp_path, "vector-db-slow", note="Check the index.")  # edited, version not bumped
    stamp(path, 1)
    assert "Check the spend." in source.current().get("vector-db-slow").text  # the last good one stays
    assert source.status().error.startswith(f"{path}: runbook vector-db-slow version 1.0.0 is already recorded")
    assert source.resolve("vector-db-slow").stored.version == "1.0.0"

    write_runbook(tmp_path, "vector-db-slow", "1.1.0", note="Check the index.")
    added = write_runbook(tmp_path, "queue-backlog")  # a new file in the directory is picked up too
    stamp(path, 2)
    assert source.resolve("vector-db-slow").runbook.steps[0].text == "Check the index."
    assert source.status().error == "" and source.current().get("queue-backlog").path == str(added)
    assert rows(store) == [("queue-backlog", "1.0.0"), ("vector-db-slow", "1.0.0"), ("vector-db-slow", "1.1.0")]
    assert [v.version for v in source.versions("vector-db-slow")] == ["1.1.0", "1.0.0"]


def test_a_bad_runbook_at_start_stops_the_source_and_records_nothing(store, tmp_path):
    write_runbook(tmp_path, "vector-db-slow")
    (tmp_path / "broken.md").write_text("no front matter\n")
    with pytest.raises(RunbookError, match="broken.md:1: a runbook starts with YAML front matter"):
        RunbookSource(store, [tmp_path])
    assert query_rows(store, "SELECT count() AS n FROM runbook_versions")[0]["n"] == 0
