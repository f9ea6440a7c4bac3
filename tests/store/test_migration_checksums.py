"""A numbered migration never changes once applied: a start on data made by another version of it
stops with one clear error instead of running against an unknown schema."""

from __future__ import annotations

import pytest

from store.errors import ConfigError
from store.migrate import Migration, apply


def test_a_changed_numbered_migration_is_refused(store):
    original = Migration(50, "probe", lambda ddl: ["CREATE TABLE IF NOT EXISTS probe (x UInt8) ENGINE = Memory"])
    assert apply(store, [original]) == ["V0050"]
    changed = Migration(50, "probe", lambda ddl: ["CREATE TABLE IF NOT EXISTS probe (y UInt8) ENGINE = Memory"])
    with pytest.raises(ConfigError, match="V0050.*new --data-dir"):
        apply(store, [changed])
