"""dcgm-exporter text: the exposition-format parser, and scrapes normalised into gpu_samples rows."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from collector.normalise import dcgm
from collector.normalise.dcgm import ExpositionError, Sample, parse

DATA = Path(__file__).parents[1] / "data"
NODE7 = (DATA / "dcgm_node7_mig_k8s.txt").read_text()
NODE8 = (DATA / "dcgm_node8_hostname.txt").read_text()
SCRAPED_AT = 1_763_700_000_000_000_000
MIB = 1 << 20
GPU0 = "GPU-5a3c1e7b-9d2f-4c8a-b1e6-0f9a2d7c4e01"
GPU1 = "GPU-8e41b0c2-3f6a-47d9-a2c5-6b1d9e0f3a02"


def test_parse_comments_labels_escapes_and_timestamps():
    text = (
        "# HELP up Whether \"it\" is up.\n"
        "# TYPE up gauge\n"
        "# a free comment\n"
        "\n"
        'up{job="dcgm",msg="say \\"hi\\"\\nback\\\\slash",} 1 1763700000123\n'
        "plain_metric 2.5\n"
        'spaced { a = "1" , b="x y" }   -3e2\n'
        "nan_metric NaN\n"
        "inf_metric{} +Inf\n"
    )
    samples = parse(text)
    assert samples[:3] == [
        Sample("up", {"job": "dcgm", "msg": 'say "hi"\nback\\slash'}, 1.0, 1763700000123),
        Sample("plain_metric", {}, 2.5, None),
        Sample("spaced", {"a": "1", "b": "x y"}, -300.0, None),
    ]
    assert math.isnan(samples[3].value) and samples[4].value == math.inf and len(samples) == 5


@pytest.mark.parametrize("line", [
    'm{a="1"',                 # unterminated labels
    'm{a="1} 2',               # unterminated value
    "m{1a=\"x\"} 2",           # bad label name
    "m",                       # no value
    "m one",                   # value not a number
    "m 1 2 3",                 # too many fields
    "m 1 12.5",                # timestamp not an integer
    'm{a="1"}2',               # no space before the value
    "9m 1",                    # bad metric name
])
def test_malformed_lines_fail_the_scrape_with_their_line_number(line):
    with pytest.raises(ExpositionError, match="line 2"):
        parse("ok 1\n" + line + "\n")


def test_fixture_parses_completely():
    samples = parse(NODE7)
    assert len(samples) == 40
    assert samples[0].labels["Hostname"] == "gpu-node-7" and samples[0].labels["modelName"] == "NVIDIA A100-SXM4-80GB"


def _by_key(table) -> dict[tuple, dict]:
    return {(r["host_name"], r["gpu_uuid"], r["mig_instance"]): r for r in table.to_pylist()}


def test_node_with_mig_and_k8s_is_normalised():
    rows = _by_key(dcgm.rows(NODE7, SCRAPED_AT, default_host="10.0.0.7"))
    assert set(rows) == {("gpu-node-7", GPU0, ""), ("gpu-node-7", GPU1, ""),
                         ("gpu-node-7", GPU1, "1"), ("gpu-node-7", GPU1, "2")}
    whole = rows["gpu-node-7", GPU0, ""]
    assert whole["utilization"] == pytest.approx(0.87)             # % → fraction, GPU_UTIL beats GR_ENGINE
    assert whole["memory_used_bytes"] == 61440 * MIB                # MiB → bytes
    assert whole["memory_total_bytes"] == (61440 + 19853 + 627) * MIB == 80 * 1024 * MIB
    assert whole["power_watts"] == pytest.approx(312.45)
    assert whole["energy_joules"] == pytest.approx(123456789.012)  # mJ → J
    assert whole["temperature_c"] == 64.0 and whole["sm_active"] == pytest.approx(0.74)
    assert (whole["gpu_index"], whole["gpu_model"], whole["gpu_vendor"]) == (0, "NVIDIA A100-SXM4-80GB", "NVIDIA")
    assert (whole["k8s_namespace"], whole["k8s_pod"], whole["k8s_container"]) == ("inference", "vllm-llama-0", "vllm")
    assert whole["source"] == "dcgm" and whole["mig_profile"] == "" and whole["project"] == "default"
    assert whole["timestamp"].value == SCRAPED_AT

    parent = rows["gpu-node-7", GPU1, ""]
    assert parent["utilization"] is None                            # int32 "not supported" sentinel dropped
    assert parent["memory_used_bytes"] is None and parent["memory_total_bytes"] is None
    assert (parent["temperature_c"], parent["power_watts"]) == (51.0, pytest.approx(180.2))

    instance = rows["gpu-node-7", GPU1, "1"]
    assert instance["mig_profile"] == "3g.40gb" and instance["gpu_index"] == 1
    assert instance["utilization"] == pytest.approx(0.42)           # GR_ENGINE_ACTIVE fills in on MIG
    assert instance["sm_active"] == pytest.approx(0.35)
    assert instance["memory_total_bytes"] == 40448 * MIB           # no FB_RESERVED series: used + free
    assert (instance["k8s_namespace"], instance["k8s_pod"]) == ("search", "rag-embedder-5f7c9d-x2k4q")
    assert instance["power_watts"] is None                          # device-level fields stay on the parent
    idle = rows["gpu-node-7", GPU1, "2"]
    assert idle["utilization"] == 0.0 and idle["memory_used_bytes"] == 0 and idle["k8s_pod"] == ""


def test_lower_case_hostname_and_old_k8s_labels():
    [row] = dcgm.rows(NODE8, SCRAPED_AT, default_host="10.0.0.8", project="search").to_pylist()
    assert (row["host_name"], row["project"], row["gpu_model"]) == ("gpu-node-8", "search", "NVIDIA L4")
    assert (row["k8s_namespace"], row["k8s_pod"], row["k8s_container"]) == ("search", "reranker-7c9f-abcde",
                                                                            "reranker")
    assert row["utilization"] == pytest.approx(0.12) and row["energy_joules"] == pytest.approx(5000.0)
    assert row["memory_total_bytes"] == (2048 + 20475 + 507) * MIB
    assert row["sm_active"] is None                                 # FP64 "not supported" sentinel dropped


def test_target_without_host_label_is_named_by_the_scrape_target():
    text = NODE8.replace('hostname="gpu-node-8",', "")
    [row] = dcgm.rows(text, SCRAPED_AT, default_host="10.0.0.8").to_pylist()
    assert row["host_name"] == "10.0.0.8"


def test_sample_timestamps_win_over_the_scrape_time():
    text = 'DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-x",Hostname="h"} 40 1763700000123\n'
    [row] = dcgm.rows(text, SCRAPED_AT, default_host="t").to_pylist()
    assert row["timestamp"].value == 1763700000123 * 1_000_000 and row["temperature_c"] == 40.0
