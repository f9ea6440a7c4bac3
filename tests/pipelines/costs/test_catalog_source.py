"""A catalog file edited while the service runs: picked up when good, ignored (with a reason) when bad."""

from __future__ import annotations

import os

import pytest

from pipelines.costs.catalog import CatalogError
from pipelines.costs.catalog_source import CatalogSource

GOOD = """entries:
  - {id: mine, provider: openai, models: [my-model], input: "1", output: "2"}
"""


def write(path, text: str, bump: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(bump, bump))  # a distinct mtime even within one clock tick


def test_a_good_edit_is_loaded_and_a_bad_one_keeps_the_last_good_catalog(tmp_path):
    path = tmp_path / "prices.yaml"
    write(path, GOOD, 1)
    source = CatalogSource([path])
    first = source.current()
    assert "mine" in {e.id for e in first.entries} and source.status().error == ""

    write(path, GOOD.replace('"2"', '"3"'), 2)
    second = source.current()
    assert second.version != first.version and source.status().error == ""

    write(path, "entries: [ {id: broken", 3)
    assert source.current() is second
    status = source.status()
    assert status.version == second.version and "not valid YAML" in status.error

    write(path, GOOD, 4)
    assert source.current().version == first.version and source.status().error == ""


def test_a_bad_file_at_start_is_an_error(tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text("entries: [{id: x, provider: openai}]")
    with pytest.raises(CatalogError, match="x"):
        CatalogSource([path])
