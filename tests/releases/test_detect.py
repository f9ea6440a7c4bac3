"""The changes job's decisions (releases/detect.py), pure: when the calls already read show a value was seen, what
a new value replaced, which changes a late span or a rerun would duplicate, and when a catalog version is new."""

from __future__ import annotations

from releases.detect import Before, Candidate, already_recorded, detected_change, price_change, replaced, seen_in_window

S = 10**9
WEEK = 7 * 86_400 * S


def candidate(value: str = "1.5.0", first: int = 100 * S, dimension: str = "service_version", subject: str = "",
              **old: int) -> Candidate:
    return Candidate("default", "chat-api", dimension, subject, value, first, **old)


def test_calls_read_before_show_a_value_only_within_the_look_back_before_its_first_new_call():
    assert seen_in_window(candidate(old_calls=2, old_min_ns=90 * S, old_max_ns=120 * S), WEEK)
    assert seen_in_window(candidate(old_calls=2, old_min_ns=10 * S, old_max_ns=99 * S), 95 * S)
    # Only after it, or only longer ago than the look-back (and after it): the store must be asked.
    assert not seen_in_window(candidate(old_calls=1, old_min_ns=150 * S, old_max_ns=150 * S), WEEK)
    assert not seen_in_window(candidate(old_calls=2, old_min_ns=1 * S, old_max_ns=150 * S), 50 * S)
    assert not seen_in_window(candidate(), WEEK)  # no calls read before


def test_a_new_value_replaced_the_busiest_of_the_last_hour_else_the_latest():
    assert replaced([Before("1.3.0", 0, 5 * S), Before("1.4.0", 40, 3 * S), Before("1.2.0", 10, 9 * S)]) == "1.4.0"
    assert replaced([Before("1.3.0", 0, 5 * S), Before("1.2.0", 0, 9 * S)]) == "1.2.0"
    assert replaced([]) == ""


def test_a_first_snapshot_is_part_of_its_model_and_a_later_one_is_a_change():
    snapshot = candidate("gpt-4o-2024-11-20", dimension="response_model", subject="gpt-4o")
    assert detected_change(snapshot, "") is None
    moved = detected_change(snapshot, "gpt-4o-2024-08-06")
    assert moved is not None and (moved.kind, moved.model, moved.subject) == ("model", "gpt-4o", "gpt-4o")


def test_the_same_change_or_a_late_span_of_a_recorded_one_is_not_recorded_again():
    recorded = detected_change(candidate(first=100 * S), "1.4.0")
    assert recorded is not None
    again = detected_change(candidate(first=100 * S), "1.4.0")
    late = detected_change(candidate(first=90 * S), "1.4.0")
    more_than_a_look_back_earlier = detected_change(candidate(first=100 * S - WEEK - S), "")
    other_service = detected_change(Candidate("default", "batch-api", "service_version", "", "1.5.0", 90 * S), "")
    assert again == recorded and already_recorded(again, [recorded], WEEK)
    assert late is not None and late.id != recorded.id and already_recorded(late, [recorded], WEEK)
    assert more_than_a_look_back_earlier is not None and not already_recorded(more_than_a_look_back_earlier, [recorded], WEEK)
    assert other_service is not None and not already_recorded(other_service, [recorded], WEEK)


def test_a_catalog_version_is_a_change_when_the_last_recorded_one_is_another():
    first = price_change(None, "aaa", 5 * S)
    assert first is not None and (first.from_value, first.to_value, first.service) == ("", "aaa", "")
    assert price_change(first, "aaa", 6 * S) is None
    second = price_change(first, "bbb", 7 * S)
    assert second is not None and (second.from_value, second.to_value, second.at_ns) == ("aaa", "bbb", 7 * S)
