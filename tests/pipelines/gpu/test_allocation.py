"""GPU cost allocation, computed by hand: GPU time, host cost, exact shares, idle, unknown hosts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pipelines.gpu.allocation import AllocationConfig, allocate, gpu_time, host_hours, split_exact
from pipelines.gpu.prices import GpuPriceTable
from tests.helpers.catalogs import utc
from tests.helpers.gpu_data import call, call_frame, sample_frame, samples

T = utc(2026, 11, 20, 12)
END = T + timedelta(hours=1)
MINUTE = timedelta(minutes=1)
GAP = timedelta(seconds=60)
H100 = "NVIDIA H100 80GB HBM3"
PRICES = GpuPriceTable({"H100": Decimal("2.40"), "L4": Decimal("0.80")}, host_overrides={"gpu-b": Decimal("1.00")})
CONFIG = AllocationConfig(host_map={"pod-7": "gpu-a"}, weights={"input": Decimal(1), "output": Decimal(3)},
                          self_hosted_providers=frozenset({"vllm", "ollama"}))


def _seconds(frame, **key) -> dict:
    rows = frame.filter(**key).to_dicts()
    return {(r["hour"].hour, r["gpu_uuid"]): r["seen_ns"] / 1e9 for r in rows}


def test_a_sample_stands_for_the_time_to_the_next_one_capped():
    # Samples at 0 s, 30 s and 300 s: 30 s, then 60 s (the 270 s gap is capped), then the last
    # sample stands for the median gap (median of 30 and 270 = 150, capped to 60): 150 s in all.
    rows = [("h", "g", H100, "p", T + timedelta(seconds=s), 0.5) for s in (0, 30, 300)]
    got = gpu_time(sample_frame(rows), T, END, GAP, now=END + timedelta(hours=1))
    assert _seconds(got) == {(12, "g"): 150.0}
    assert got["busy_ns"].to_list() == [75e9]


def test_time_is_cut_at_the_hour_and_never_counts_past_now():
    rows = samples("h", "g", H100, T + timedelta(minutes=59), 2, timedelta(seconds=30), None)  # 12:59:00, 12:59:30
    got = gpu_time(sample_frame(rows), T, T + timedelta(hours=2), GAP, now=T + timedelta(hours=2))
    # The last sample (12:59:30) stands for the median gap, 30 s: all of it before 13:00.
    assert _seconds(got) == {(12, "g"): 60.0}
    got = gpu_time(sample_frame(rows), T, T + timedelta(hours=2), timedelta(seconds=60),
                   now=T + timedelta(minutes=59, seconds=40))
    assert _seconds(got) == {(12, "g"): 40.0}  # 30 s + 10 s until now
    one = samples("h", "g", H100, T + timedelta(minutes=59, seconds=30), 1, MINUTE, None)
    got = gpu_time(sample_frame(one), T, T + timedelta(hours=2), GAP, now=T + timedelta(hours=2))
    assert _seconds(got) == {(12, "g"): 30.0, (13, "g"): 30.0}  # a lone sample stands for the cap


def test_samples_outside_the_window_only_count_inside_it():
    rows = samples("h", "g", H100, T - timedelta(seconds=30), 3, timedelta(seconds=30), 1.0)  # 11:59:30 .. 12:00:30
    got = gpu_time(sample_frame(rows), T, END, GAP, now=END)
    assert _seconds(got) == {(12, "g"): 60.0}  # 12:00:00-12:00:30, and the last one's 30 s


def test_split_exact_sums_to_the_total_and_gives_remainders_deterministically():
    assert split_exact(10, [1, 1, 1], [("a", ""), ("b", ""), ("c", "")]) == [4, 3, 3]
    assert split_exact(10, [1, 1, 1], [("c", ""), ("b", ""), ("a", "")]) == [3, 3, 4]
    assert split_exact(7, [0, 0], [("a", ""), ("b", "")]) == [4, 3]  # no tokens: equal shares
    assert split_exact(100, [2, 1], [("a", ""), ("b", "")]) == [67, 33]
    assert split_exact(5, [], []) == []


def _scenario():
    hour_of = timedelta(minutes=1)
    rows = [*samples("gpu-a", "a1", H100, T, 60, hour_of, 0.5),      # 3600 s at 50 %
            *samples("gpu-a", "a2", H100, T, 60, hour_of, None),     # 3600 s, utilisation unknown = busy
            *samples("gpu-b", "b1", "NVIDIA L4", T, 60, hour_of, 0.25),  # host price 1.00/h, no calls
            *samples("gpu-c", "c1", "NVIDIA A100", T, 60, hour_of, 0.9)]  # A100 of unknown size: no price
    calls = [call(T + 5 * MINUTE, "c1", "gpu-a", 100, 50),
             call(T + 6 * MINUTE, "c2", "gpu-a", 300, 0),
             call(T + 7 * MINUTE, "c3", "pod-7", 0, 100),            # mapped to gpu-a
             call(T + 8 * MINUTE, "c4", "gpu-c", 10, 10),
             call(T + 9 * MINUTE, "c5", "gpu-z", 10, 10),            # vllm on a host without samples
             call(T + 9 * MINUTE, "c6", "gpu-z", 10, 10, provider="ollama"),
             call(T + 9 * MINUTE, "c7", "api.openai.com", 10, 10, provider="openai", model="gpt-4o")]
    hosts = host_hours(gpu_time(sample_frame(rows), T, END, GAP, now=END), PRICES)
    return allocate(hosts, call_frame(calls), CONFIG, PRICES.version)


def test_host_cost_is_price_times_time_summed_over_its_gpus_and_idle_is_what_no_call_used():
    result = _scenario()
    a, b, c = sorted(result.hosts, key=lambda h: h.host_name)
    # gpu-a: 2 H100 x 1 h x 2.40 = 4.80; used = 2.40 x 0.5 + 2.40 x 1 = 3.60; idle 1.20.
    assert (a.gpu_count, a.gpu_seconds, a.cost, a.allocated, a.idle) == (
        2, Decimal(7200), Decimal("4.8"), Decimal("3.6"), Decimal("1.2"))
    assert (a.calls, a.weighted_tokens, a.price_source) == (3, Decimal(850), "shipped:H100")
    assert a.idle_gpu_seconds == 1800.0
    # gpu-b: host price 1.00 x 1 h; it served nothing, so all of it is idle.
    assert (b.cost, b.allocated, b.idle, b.calls, b.price_source) == (
        Decimal("1.00"), Decimal(0), Decimal("1.00"), 0, "host:gpu-b")
    assert b.idle_gpu_seconds == 3600.0
    # gpu-c: its GPU has no price: the host is unpriced, never 0.
    assert (c.priced, c.cost, c.allocated, c.idle, c.calls) == (False, None, None, None, 1)
    assert c.price_source == "unpriced: no GPU price matches 'NVIDIA A100'"


def test_calls_share_the_used_cost_by_weighted_tokens_exactly():
    result = _scenario()
    got = {r["span_id"]: r for r in result.requests.to_dicts()}
    # Weights input 1, output 3: c1 = 100 + 150 = 250, c2 = 300, c3 = 300 (via the mapping); 850 in all.
    # 3.60 x 250/850 = 1.0588235294117..., 3.60 x 300/850 = 1.2705882352941...: floors at 1e-12 leave
    # one unit, which goes to the largest remainder (c1: .76 vs .12).
    assert got["c1"]["gpu_cost"] == Decimal("1.058823529412")
    assert got["c2"]["gpu_cost"] == Decimal("1.270588235294")
    assert got["c3"]["gpu_cost"] == Decimal("1.270588235294")
    assert sum(got[s]["gpu_cost"] for s in ("c1", "c2", "c3")) + Decimal("1.2") == Decimal("4.8")
    assert (got["c3"]["host_name"], got["c3"]["gpu_host"], got["c3"]["weighted_tokens"]) == ("pod-7", "gpu-a", 300)
    # The call on the unpriced host is there, unpriced, with no cost.
    assert (got["c4"]["priced"], got["c4"]["gpu_cost"]) == (False, None)
    assert set(got) == {"c1", "c2", "c3", "c4"}
    assert {r["price_version"] for r in got.values()} == {PRICES.version}


def test_self_hosted_calls_on_hosts_without_samples_are_counted_per_host():
    unknown = _scenario().unknown_hosts.to_dicts()
    assert [(u["host_name"], u["calls"]) for u in unknown] == [("gpu-z", 2)]  # the openai call is not GPU-served


def test_an_hour_with_samples_but_calls_only_in_another_hour_is_idle():
    rows = samples("gpu-a", "a1", H100, T, 120, MINUTE, 1.0)  # 12:00-14:00
    hosts = host_hours(gpu_time(sample_frame(rows), T, T + timedelta(hours=2), GAP, now=T + timedelta(hours=3)),
                       PRICES)
    result = allocate(hosts, call_frame([call(T + 90 * MINUTE, "x", "gpu-a", 10, 0)]), CONFIG, "v")
    first, second = result.hosts
    assert (first.allocated, first.idle) == (Decimal(0), Decimal("2.40"))
    assert (second.allocated, second.idle, second.calls) == (Decimal("2.40"), Decimal(0), 1)
    assert result.requests["gpu_cost"].to_list() == [Decimal("2.40")]


def test_fractional_weights_stay_exact():
    rows = samples("gpu-a", "a1", H100, T, 60, MINUTE, 1.0)
    hosts = host_hours(gpu_time(sample_frame(rows), T, END, GAP, now=END), PRICES)
    config = AllocationConfig(weights={"input": Decimal("0.5"), "output": Decimal("1.25")})
    calls = [call(T + MINUTE, "a", "gpu-a", 3, 1), call(T + MINUTE, "b", "gpu-a", 0, 1)]  # 2.75 and 1.25
    result = allocate(hosts, call_frame(calls), config, "v")
    assert result.requests["weighted_tokens"].to_list() == [Decimal("2.75"), Decimal("1.25")]
    assert result.hosts[0].weighted_tokens == Decimal(4)
    # 2.40 x 2.75/4 = 1.65 and 2.40 x 1.25/4 = 0.75
    assert result.requests["gpu_cost"].to_list() == [Decimal("1.65"), Decimal("0.75")]
