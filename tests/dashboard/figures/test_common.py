"""The dashboard's shared pure parts: UTC times and the bucket grid, colours, number formats, the client's query."""

from __future__ import annotations

from datetime import datetime

from client.api import Query
from dashboard import format as fmt
from dashboard.figures import common as figures


def test_times_parse_to_naive_utc_and_buckets_sit_on_the_epoch_grid():
    assert figures.parse_time("2026-11-21T05:41:15.914210513Z") == datetime(2026, 11, 21, 5, 41, 15, 914210)
    assert figures.parse_time("2026-11-21T07:41:15+02:00") == datetime(2026, 11, 21, 5, 41, 15)
    grid = figures.bucket_grid(datetime(2026, 11, 21, 5, 7), datetime(2026, 11, 21, 6, 0), 900)
    assert grid == [datetime(2026, 11, 21, 5, m) for m in (0, 15, 30, 45)]


def test_colours_are_stable_per_name_and_empty_names_read_unknown():
    assert figures.series_colors(["b", "a", "b"]) == {"a": figures.PALETTE[0], "b": figures.PALETTE[1]}
    assert (figures.label(""), figures.label("gpt-4o")) == ("(unknown)", "gpt-4o")


def test_formats():
    assert (fmt.count(1234), fmt.count(1_234_567), fmt.count(None)) == ("1,234", "1.23M", "–")
    assert (fmt.percent(0.25), fmt.percent(0.004), fmt.percent(0.0)) == ("25.0%", "0.40%", "0.0%")
    assert (fmt.duration_ms(850), fmt.duration_ms(1240), fmt.duration_ms(5.25)) == ("850 ms", "1.24 s", "5.2 ms")
    assert (fmt.number(1234.5, ",.0f"), fmt.number(None, ".1f")) == ("1,234", "–")


def test_a_quantity_of_no_known_unit_reads_without_an_exponent_to_four_significant_digits():
    values = (90712.3, 0.333333, 1.5, 12.0, 0.000012345, -2500.49, 0.0, 99999.5, None)
    assert [fmt.quantity(v) for v in values] == ["90,712", "0.3333", "1.5", "12", "0.00001234", "-2,500",
                                                 "0", "100,000", "–"]


def test_money_keeps_its_significant_digits_and_never_reads_zero_when_it_is_not():
    assert fmt.money("1234.5678") == "$1,234.57" and fmt.money("1") == "$1.00"
    assert fmt.money("0.0142") == "$0.0142", "not $0.01"
    assert fmt.money("0.5") == "$0.50" and fmt.money("0.123456") == "$0.123" and fmt.money("0.00399285") == "$0.00399"
    assert fmt.money("0.000012500000") == "$0.0000125" and fmt.money("0.000000000001") == "$0.000000000001"
    assert fmt.money("0.9996") == "$1.00", "rounded up to a dollar, it reads in cents"
    assert fmt.money("-3.5") == "-$3.50" and fmt.money("-0.0042") == "-$0.0042"
    assert fmt.money("0") == "$0.00" and fmt.money(None) == "–" and fmt.money("3", "EUR") == "EUR 3.00"


def test_timestamps_read_as_utc_wall_clock_to_the_second():
    assert fmt.timestamp("2026-11-21T05:41:15.914210513Z") == "2026-11-21 05:41:15"
    assert fmt.timestamp("2026-11-21T07:41:15+02:00") == "2026-11-21 05:41:15"
    assert fmt.timestamp(None) == fmt.timestamp("") == "–"


def test_query_parameters_repeat_filters():
    query = Query(since="6h", services=("a", "b"), models=("m",))
    assert query.params() == [("since", "6h"), ("service", "a"), ("service", "b"), ("model", "m")]
    assert query.filtered and not Query().filtered
