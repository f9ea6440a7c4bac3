"""AttributeSets: each distinct attribute list decoded once, and never confused with another."""

from __future__ import annotations

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from collector.decode.attributes import AttributeSets


def _kv(key: str, **value) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(**value))


def test_an_equal_list_gets_the_same_number_and_another_list_a_new_one():
    sets = AttributeSets()
    gpu_a = [_kv("hw.id", string_value="GPU-A"), _kv("hw.type", string_value="gpu")]
    first = sets.number(gpu_a)
    assert sets.number([_kv("hw.id", string_value="GPU-A"), _kv("hw.type", string_value="gpu")]) == first
    assert sets.number([_kv("hw.id", string_value="GPU-B"), _kv("hw.type", string_value="gpu")]) != first
    assert sets.number(gpu_a[:1]) != first                  # a prefix is another set
    assert len(sets.pairs) == 3


def test_values_that_read_alike_as_strings_stay_distinct_sets():
    """A non-string AnyValue reads as "" through string_value: the set must still be exact."""
    sets = AttributeSets()
    numbers = {name: sets.number([_kv("k", **value)]) for name, value in {
        "empty": {"string_value": ""}, "int0": {"int_value": 0}, "int3": {"int_value": 3},
        "str3": {"string_value": "3"}, "false": {"bool_value": False}, "unset": {}}.items()}
    assert [sets.pairs[numbers[name]] for name in ("empty", "int0", "int3", "str3", "false", "unset")] == [
        (("k", ""),), (("k", "0"),), (("k", "3"),), (("k", "3"),), (("k", "false"),), (("k", ""),)]
    # seen again, in another order, each comes back to its own set
    assert sets.number([_kv("k", int_value=0)]) == numbers["int0"]
    assert sets.number([_kv("k", string_value="")]) == numbers["empty"]
    assert sets.number([_kv("k", bool_value=False)]) == numbers["false"]


def test_order_and_repeated_keys_are_kept_in_the_map_and_the_last_wins_in_the_dict():
    sets = AttributeSets()
    number = sets.number([_kv("b", string_value="1"), _kv("a", int_value=2), _kv("b", string_value="3")])
    empty = sets.number([])
    [row, none] = sets.to_arrow().to_pylist()
    assert row == [("b", "1"), ("a", "2"), ("b", "3")] and none == []
    assert sets.as_dict(number) == {"b": "3", "a": "2"} and sets.as_dict(empty) == {}
