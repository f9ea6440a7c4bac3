"""The previous range of a spend summary and the change ratio: pure arithmetic on the API's resolved range."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mcp_server.periods import change_ratio, previous_window


def test_the_previous_range_has_the_same_length_and_ends_where_the_range_starts():
    assert previous_window("2026-12-02T06:00:00.250000Z", "2026-12-03T06:00:00.250000Z") == (
        "2026-12-01T06:00:00.250000Z", "2026-12-02T06:00:00.250000Z")
    assert previous_window("2026-12-02T06:00:00Z", "2026-12-02T06:00:00Z") == (
        "2026-12-02T06:00:00Z", "2026-12-02T06:00:00Z")


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        previous_window("2026-12-02T06:00:00Z", "2026-12-01T06:00:00Z")


def test_the_change_ratio_is_exact_and_unknown_without_previous_spend():
    assert change_ratio(Decimal("0.02"), Decimal("0.01")) == Decimal("1.0000")
    assert change_ratio(Decimal("0.01"), Decimal("0.03")) == Decimal("-0.6667")
    assert change_ratio(Decimal("5"), Decimal("0")) is None
