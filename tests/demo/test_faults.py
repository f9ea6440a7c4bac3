"""The demo's fault schedule (pure, no service): each fault changes what it says, only inside its window, the
same way for a seed; the fleet's own requests are the same with and without faults.

Each check plays the same minutes with one fault and with none, and compares the two plans span by span
(generation draws every random value before a fault applies, so the same span ids exist in both). A fault
applies to the requests that start in its window (a slowed call delays the rest of its request's spans)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.rules import check_rules, shipped_files
from demo import faults, fleet
from demo.traffic import traffic
from detectors.registry import DETECTORS

ANCHOR = datetime(2026, 12, 9, 16, 20, tzinfo=timezone.utc)  # a Wednesday afternoon
SEED = 4
EDGE = timedelta(minutes=6)
BY_NAME = {f.name: f for f in faults.SCHEDULE}


def _calls(plans):
    return {(p.trace_id, s.span_id): (p, s) for p in plans for s in p.spans if "gen_ai.request.model" in s.attributes}


def _compare(fault: faults.Fault, around: datetime):
    """Plans of [around - EDGE, around + EDGE) with `fault` and without; the calls each has, by id."""
    window = (around - EDGE, around + EDGE)
    with_fault = traffic(SEED, ANCHOR, *window, schedule=(fault,))
    without = traffic(SEED, ANCHOR, *window)
    return _calls(with_fault), _calls(without)


def _inside(fault: faults.Fault, plan) -> bool:
    """Whether `plan` (a trace) started while `fault` was on."""
    return fault.active(ANCHOR, datetime.fromtimestamp(plan.start_ns / 1e9, timezone.utc))


def _edges(fault: faults.Fault) -> list[datetime]:
    return [ANCHOR + fault.start, ANCHOR + fault.start + fault.duration]


def _ratio(a, b, key: str) -> float:
    return a.attributes[key] / b.attributes[key]


def _seconds(span) -> float:
    return (span.end_ns - span.start_ns) / 1e9


def test_every_fault_names_a_shipped_rule_and_starts_within_minutes_of_the_start():
    rules, problems = check_rules(shipped_files(), DETECTORS)
    assert not problems
    shipped = {r.name for r in rules}
    assert {f.rule for f in faults.SCHEDULE} <= shipped
    assert {f.name for f in faults.SCHEDULE} == {"prompt-loop", "provider-latency", "input-drift", "idle-gpu-node",
                                                 "unpriced-model", "slow-canary"}
    for fault in faults.SCHEDULE:  # on at the start or within minutes, and still on some minutes into live play
        assert fault.start <= timedelta(minutes=5) and fault.start + fault.duration >= timedelta(minutes=20)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_a_fault_changes_nothing_outside_its_window_and_the_fleets_own_requests_stay(name):
    fault = BY_NAME[name]
    for around in _edges(fault):
        with_fault, without = _compare(fault, around)
        assert set(without) <= set(with_fault)  # faults add requests, never take the fleet's own away
        for key, (plan, span) in with_fault.items():
            if not _inside(fault, plan) and key in without:
                assert span == without[key][1]
            if key not in without:
                assert _inside(fault, plan), "an added request outside the window"


def test_the_prompt_loop_adds_support_requests_by_one_user_that_read_three_times_the_tokens():
    fault = BY_NAME["prompt-loop"]
    with_fault, without = _compare(fault, ANCHOR + fault.start)
    added = [(p, s) for k, (p, s) in with_fault.items() if k not in without]
    assert {(p.service, p.user, p.feature) for p, _ in added} == {(fleet.SUPPORT.name, faults.LOOP_USER,
                                                                    "ticket-triage")}
    minutes_on = EDGE / timedelta(minutes=1)
    assert 5 * minutes_on < len({p.trace_id for p, _ in added}) < 15 * minutes_on  # ~10 a minute
    inputs = sorted(s.attributes["gen_ai.usage.input_tokens"] for _, s in added if s.error is None)
    usual = sorted(s.attributes["gen_ai.usage.input_tokens"] for p, s in without.values()
                   if p.service == fleet.SUPPORT.name and s.error is None)
    assert inputs[len(inputs) // 2] > 2 * usual[len(usual) // 2]


def test_the_latency_regression_slows_every_anthropic_call_threefold_and_nothing_else():
    fault = BY_NAME["provider-latency"]
    with_fault, without = _compare(fault, ANCHOR + fault.start)
    inside = [(s, without[k][1]) for k, (p, s) in with_fault.items() if _inside(fault, p) and k in without]
    slowed = [_seconds(a) / _seconds(b) for a, b in inside if a.attributes["gen_ai.provider.name"] == "anthropic"
              and a.error is None]
    assert slowed and all(r == pytest.approx(3.0, rel=0.01) for r in slowed)
    assert all(a == b for a, b in inside if a.attributes["gen_ai.provider.name"] != "anthropic")


def test_the_input_drift_triples_the_input_of_one_model_of_one_service():
    fault = BY_NAME["input-drift"]
    with_fault, without = _compare(fault, ANCHOR + fault.start)
    inside = [(s, without[k][1]) for k, (p, s) in with_fault.items() if _inside(fault, p) and s.error is None]
    drifted = [_ratio(a, b, "gen_ai.usage.input_tokens") for a, b in inside
               if a.attributes["gen_ai.request.model"] == fleet.OPENAI_MINI.name]
    assert drifted and all(2.9 < r < 3.1 for r in drifted)
    assert all(a == b for a, b in inside if a.attributes["gen_ai.request.model"] != fleet.OPENAI_MINI.name)


def test_the_idle_node_serves_nothing_while_drained_and_the_dcgm_replica_serves_only_live():
    fault = BY_NAME["idle-gpu-node"]
    for around in _edges(fault):
        with_fault, _ = _compare(fault, around)
        llama = [(p, s) for p, s in with_fault.values() if s.attributes["gen_ai.request.model"] == fleet.LLAMA.name]
        during = {s.attributes["server.address"] for p, s in llama if _inside(fault, p)}
        outside = {s.attributes["server.address"] for p, s in llama if not _inside(fault, p)}
        assert during and fleet.IDLE_HOST not in during
        assert fleet.IDLE_HOST in outside
        live = around >= ANCHOR
        assert (fleet.DCGM_HOST in during | outside) == live


def test_the_unpriced_model_arrives_live_in_summaries_of_an_experiment():
    fault = BY_NAME["unpriced-model"]
    with_fault, without = _compare(fault, ANCHOR + fault.start)
    added = [(p, s) for k, (p, s) in with_fault.items() if k not in without]
    assert added and all(s.attributes["gen_ai.request.model"] == fleet.NEW_MODEL.name and p.feature == "summarise"
                         and _inside(fault, p) for p, s in added)
    assert fault.start > timedelta(0)  # the model is new: it appears after the start, in live play


def test_the_canary_prompt_is_slower_and_costlier_and_the_stable_one_unchanged():
    fault = BY_NAME["slow-canary"]
    with_fault, without = _compare(fault, ANCHOR + fault.start)
    inside = [(s, without[k][1]) for k, (p, s) in with_fault.items() if _inside(fault, p) and s.error is None]
    canary = [(a, b) for a, b in inside if a.attributes["spyglass.prompt.version"] == fleet.CANARY_NEW]
    assert canary
    for a, b in canary:
        assert _seconds(a) > 1.5 * _seconds(b)
        assert 1.45 < _ratio(a, b, "gen_ai.usage.input_tokens") < 1.55
    assert all(a == b for a, b in inside if a.attributes["spyglass.prompt.version"] == fleet.CANARY_STABLE)


def test_the_schedule_is_the_same_for_a_seed_and_live_offsets_honour_the_speed():
    window = (ANCHOR - timedelta(minutes=10), ANCHOR + timedelta(minutes=10))
    first = traffic(SEED, ANCHOR, *window, schedule=faults.SCHEDULE)
    assert first == traffic(SEED, ANCHOR, *window, schedule=faults.SCHEDULE)
    assert first != traffic(SEED + 1, ANCHOR, *window, schedule=faults.SCHEDULE)
    offsets = {f.name: (start, end) for f, start, end in faults.live_offsets(faults.SCHEDULE, 60)}
    loop = BY_NAME["prompt-loop"]
    assert offsets["prompt-loop"] == (timedelta(0), (loop.start + loop.duration) / 60)
    assert offsets["unpriced-model"][0] == BY_NAME["unpriced-model"].start / 60
