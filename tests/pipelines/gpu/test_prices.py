"""GPU prices: the shipped table, the name-matching rule, and the precedence of overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from pipelines.gpu.prices import SHIPPED_PATH, GpuPriceTable, load_table, match_key
from store.errors import ConfigError

SHIPPED = load_table()


@pytest.mark.parametrize("name, key", [
    ("NVIDIA H100 80GB HBM3", "H100"),
    ("NVIDIA-H100-80GB-HBM3", "H100"),
    ("NVIDIA H100 PCIe", "H100"),
    ("NVIDIA H200", "H200"),
    ("NVIDIA A100-SXM4-40GB", "A100 40GB"),
    ("NVIDIA A100-SXM4-80GB", "A100 80GB"),
    ("NVIDIA A100 80GB PCIe", "A100 80GB"),
    ("NVIDIA L40S", "L40S"),
    ("NVIDIA L4", "L4"),
    ("nvidia a10g", "A10G"),
])
def test_gpu_model_names_match_by_tokens(name, key):
    assert match_key(SHIPPED.shipped, name) == key
    assert SHIPPED.price("any-host", name).source == f"shipped:{key}"


@pytest.mark.parametrize("name", ["NVIDIA A100", "NVIDIA L40", "NVIDIA A10", "NVIDIA T4", "", "Tesla V100-SXM2-16GB"])
def test_a_model_no_key_fully_matches_is_unpriced_not_zero(name):
    price = SHIPPED.price("h", name)
    assert price.hourly is None and not price.priced
    assert price.source.startswith("unpriced: no GPU price matches")


def test_shipped_table_lists_each_required_gpu_with_source_and_verification_state():
    doc = yaml.safe_load(SHIPPED_PATH.read_text())
    keys = {e["key"] for e in doc["prices"]}
    assert keys == {"H100", "H200", "A100 40GB", "A100 80GB", "L40S", "L4", "A10G"}
    for entry in doc["prices"]:
        assert entry["source"].startswith("https://") and "verified" in entry and "checked" in entry
        assert Decimal(entry["hourly"]) > 0


def test_host_price_beats_model_override_beats_shipped():
    table = load_table({"H100": "2.10", "H100 SXM5": "2.50"}, {"gpu-7": "1.75"})
    assert table.price("gpu-7", "NVIDIA H100 80GB HBM3").hourly == Decimal("1.75")
    assert table.price("gpu-7", "NVIDIA H100 80GB HBM3").source == "host:gpu-7"
    assert table.price("gpu-1", "NVIDIA H100 80GB HBM3").source == "model:H100"
    assert table.price("gpu-1", "NVIDIA H100 SXM5 80GB").hourly == Decimal("2.50")  # more tokens win
    assert table.price("gpu-1", "NVIDIA L4").source == "shipped:L4"
    assert table.price("gpu-7", "NVIDIA T4").hourly == Decimal("1.75")  # a host price covers any model


def test_equally_specific_keys_with_different_prices_are_ambiguous():
    table = GpuPriceTable({"H100 SXM": Decimal(3), "H100 80GB": Decimal(2)})
    price = table.price("h", "NVIDIA H100 SXM 80GB")
    assert price.hourly is None and "ambiguous between H100 80GB, H100 SXM" in price.source


def test_the_version_changes_with_any_price():
    assert load_table().version == SHIPPED.version
    assert load_table({"L4": "0.5"}).version != SHIPPED.version
    assert load_table(host_overrides={"h": "0.5"}).version != load_table(host_overrides={"h": "0.6"}).version


@pytest.mark.parametrize("models, hosts, message", [
    ({"H100": "-1"}, {}, "non-negative"),
    ({"H100": "cheap"}, {}, "not a price"),
    ({"--": "1"}, {}, "no letters or digits"),
    ({}, {"h": "NaN"}, "non-negative"),
])
def test_bad_override_is_a_config_error(models, hosts, message):
    with pytest.raises(ConfigError, match=message):
        load_table(models, hosts)
