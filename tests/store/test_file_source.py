"""A file-backed source: picks up good edits, keeps the last good value (and says why) on bad ones."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from store.errors import ConfigError
from store.file_source import FileSource


@dataclass(frozen=True)
class Words:
    words: tuple[str, ...]

    @property
    def version(self) -> str:
        return hashlib.sha256(" ".join(self.words).encode()).hexdigest()[:8]


def load(path: Path) -> Words:
    text = path.read_text()
    if "!" in text:
        raise ConfigError(f"{path}: no exclamation marks")
    return Words(tuple(text.split()))


def write(path: Path, text: str, stamp: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(stamp, stamp))  # a distinct mtime even within one clock tick


def test_edits_are_loaded_and_a_bad_one_keeps_the_last_good_value(tmp_path):
    path = tmp_path / "words.txt"
    write(path, "a b", 1)
    source = FileSource("words", [path], lambda: load(path))
    first = source.current()
    assert first.words == ("a", "b") and source.status().error == ""

    write(path, "a b!", 2)
    assert source.current() is first
    status = source.status()
    assert status.version == first.version and "no exclamation marks" in status.error and status.name == "words"

    write(path, "c", 3)
    assert source.current().words == ("c",) and source.status().error == ""
    assert source.status().as_dict()["files"] == [str(path)]


def test_a_missing_file_counts_as_a_change(tmp_path):
    path = tmp_path / "words.txt"
    write(path, "a", 1)
    source = FileSource("words", [path], lambda: load(path) if path.exists() else Words(()))
    path.unlink()
    assert source.current().words == ()


def test_a_bad_file_at_start_is_an_error(tmp_path):
    path = tmp_path / "words.txt"
    write(path, "!", 1)
    with pytest.raises(ConfigError, match="exclamation"):
        FileSource("words", [path], lambda: load(path))
