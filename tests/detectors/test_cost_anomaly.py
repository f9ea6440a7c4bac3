"""cost_anomaly on synthetic spend: spikes found with their contributors, small or young series left alone,
complete hours only, exact money, one query for several rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import polars as pl
import pytest

from detectors import cost_anomaly
from tests.helpers.synthetic_costs import HOUR, START, Injection, Spend, spend_frame

D = cost_anomaly.DETECTOR
SPIKE = START + timedelta(days=30, hours=14)   # a Wednesday afternoon, four weeks of history behind it


def frame(*series: Spend, days: int = 31) -> pl.DataFrame:
    return spend_frame(series, days * 24, seed=1)


def test_a_spike_is_found_when_its_hour_is_complete_with_the_model_that_caused_it():
    spend = frame(Spend("search", 40, injections=(Injection(SPIKE, 1, 5),)))
    params = D.params({})
    assert D.detect(spend, params, SPIKE + timedelta(minutes=59)) == []   # the hour is not over
    [signal] = D.detect(spend, params, SPIKE + HOUR + timedelta(minutes=1))
    in_window = spend.filter(pl.col("time") == SPIKE + HOUR)
    exact = sum(in_window["cost"].to_list(), Decimal(0))
    assert signal.labels == {"project": "search"}
    assert signal.value == float(exact) and signal.evidence["spend_usd"] == format(exact.normalize(), "f")
    assert Decimal(signal.evidence["excess_usd"]) == exact - Decimal(signal.evidence["expected_usd"])
    models = signal.evidence["contributors"]["model"]
    assert models[0]["model"] == "gpt-4o" and Decimal(models[0]["excess_usd"]) > 10 * abs(
        Decimal(models[1]["excess_usd"]))
    assert signal.evidence["baseline"] == {"method": "hour-of-week", "lags": 4, "level": pytest.approx(1, abs=0.1)}


def test_tiny_spend_never_pages_however_large_the_ratio():
    spend = frame(Spend("tiny", 0.3, injections=(Injection(SPIKE, 1, 30),)))
    assert D.detect(spend, D.params({}), SPIKE + HOUR) == []
    assert D.detect(spend, D.params({"min_excess_usd": "1"}), SPIKE + HOUR) != []


def test_a_young_series_is_judged_by_hour_of_day_and_a_newborn_not_at_all():
    friday = START + timedelta(days=4, hours=14)   # four weekdays of history
    young = spend_frame([Spend("new", 40, injections=(Injection(friday, 1, 5),))], 5 * 24, seed=2)
    [signal] = D.detect(young, D.params({}), friday + HOUR)
    assert signal.evidence["baseline"] == {"method": "hour-of-day", "lags": 4, "level": pytest.approx(1, abs=0.1)}
    newborn = young.filter(pl.col("time") > START + timedelta(days=2))
    assert D.detect(newborn, D.params({}), friday + HOUR) == []


def test_a_steady_slowly_growing_series_with_weekends_and_an_outage_stays_quiet():
    spend = frame(Spend("steady", 100, growth_per_day=0.01, outages=((SPIKE - timedelta(hours=30), 8),)), days=35)
    judged = [START + timedelta(days=28, hours=h) for h in range(0, 7 * 24, 3)]
    assert [now for now in judged if D.detect(spend, D.params({}), now)] == []


def test_rules_share_one_query_and_each_keeps_its_groups():
    spend = frame(Spend("search", 40, injections=(Injection(SPIKE, 1, 5),)), Spend("chat", 40))
    total = D.params({"group_by": []})
    by_model = D.params({"group_by": ["model"], "where": {"project": ["search"]}, "contributors": ["feature"]})
    merged = D.merge_params([total, by_model])
    assert set(merged.columns) == {"project", "model"} and merged.where == {}
    assert set(merged.contributors) == {"model", "feature"} and D.lookback(merged) == D.lookback(total)
    now = SPIKE + HOUR
    [all_spend] = D.detect(spend, total, now)
    assert all_spend.labels == {} and set(all_spend.evidence["contributors"]) == {"model", "feature"}
    assert [s.labels for s in D.detect(spend, by_model, now)] == [{"model": "gpt-4o"}]


def test_top_users_come_from_the_user_rows_of_the_window():
    spend = frame(Spend("search", 40, injections=(Injection(SPIKE, 1, 5),)))
    users = pl.DataFrame({"time": [SPIKE + HOUR] * 3 + [SPIKE], "project": ["search"] * 4,
                          "user": ["u-1", "u-2", "u-1", "u-old"], "cost": ["50", "20", "5", "900"]},
                         schema_overrides={"time": pl.Datetime("us", "UTC")}).with_columns(
        pl.col("cost").cast(pl.Decimal(38, 12)))
    [signal] = D.detect(pl.concat([spend, users], how="diagonal_relaxed"), D.params({"top_users": 2}), SPIKE + HOUR)
    assert signal.evidence["top_users"] == [{"user": "u-1", "spend_usd": "55"}, {"user": "u-2", "spend_usd": "20"}]


@pytest.mark.parametrize("raw, message", [
    ({"window": "90m"}, "whole number of hours"), ({"contributors": ["user"]}, "unknown dimension 'user'"),
    ({"group_by": ["team", "team"]}, "twice"), ({"where": {"model": []}}, "at least one value"),
    ({"min_ratio": 0.5}, "greater than or equal to 1"), ({"min_excess_usd": "-1"}, "greater than or equal to 0")])
def test_bad_params_are_clear_errors(raw, message):
    with pytest.raises(ValueError, match=message):
        D.params(raw)
