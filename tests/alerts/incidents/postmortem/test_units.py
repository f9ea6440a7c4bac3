"""How a post-mortem writes its numbers: exact dollars, rates and their changes, latencies, durations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from alerts.incidents.postmortem import units as u


@pytest.mark.parametrize("amount, signed, text", [
    (Decimal("0.3"), False, "$0.30"), (Decimal("0.300000000000"), False, "$0.30"), (Decimal("0.015"), False, "$0.015"),
    (Decimal("1234.5"), False, "$1,234.50"), (Decimal("100"), False, "$100.00"), (Decimal("0"), True, "$0.00"),
    (Decimal("0.2"), True, "+$0.20"), (Decimal("-0.05"), True, "-$0.05"), (Decimal("-0.05"), False, "-$0.05"),
    (Decimal("0.000000000001"), False, "$0.000000000001"),
])
def test_dollars_are_exact_to_the_cent_at_least(amount, signed, text):
    assert u.dollars(amount, signed) == text


def test_rates_are_percentages_and_their_changes_percentage_points():
    assert (u.percent(0.2), u.percent(1.0), u.percent(None)) == ("20.0%", "100.0%", "n/a")
    assert (u.points(-0.5), u.points(0.2), u.points(None)) == ("-50.0 pp", "+20.0 pp", "n/a")


def test_latencies_counts_and_durations_carry_their_unit():
    assert (u.milliseconds(1000.0), u.milliseconds(2.25), u.milliseconds(None)) == ("1,000 ms", "2.2 ms", "n/a")
    assert (u.count(1, "request"), u.count(1200, "request")) == ("1 request", "1,200 requests")
    assert [u.change(n, "request") for n in (1, -3, 0)] == ["+1 request", "-3 requests", "0 requests"]
    assert [u.duration(timedelta(seconds=s)) for s in (0, 45, 300, 270, 3600, 3900, 90000)] == [
        "0 s", "45 s", "5 min", "4 min 30 s", "1 h", "1 h 5 min", "25 h"]


def test_times_are_utc_whatever_zone_they_come_in():
    at = datetime(2026, 11, 20, 13, 5, tzinfo=timezone(timedelta(hours=1)))
    assert u.utc(at) == "2026-11-20 12:05:00" and u.utc(None) == "n/a"


def test_diagnostic_cells():
    assert [u.cell(v) for v in (None, 3.0, 0.123456, "12.50", 7)] == ["", "3", "0.1235", "12.50", "7"]
