"""unpriced_model and no_data on synthetic minutes: unpriced calls per model in a window; silence judged against a
subject's own rhythm and the same span a day earlier."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl

from detectors import no_data, unpriced
from tests.helpers.synthetic_costs import unpriced_frame
from tests.helpers.synthetic_ops import DAY0

MINUTE = timedelta(minutes=1)
N = no_data.DETECTOR


def test_unpriced_calls_fire_per_model_for_a_window():
    day = datetime(2026, 11, 20, tzinfo=timezone.utc)
    frame = unpriced_frame([(day + timedelta(minutes=m), "openai", "gpt-9", 2) for m in range(1, 11)])
    U = unpriced.DETECTOR
    [signal] = U.detect(frame, U.params({}), day + timedelta(minutes=30))
    assert signal.labels == {"provider": "openai", "model": "gpt-9"} and signal.value == 20.0
    assert U.detect(frame, U.params({"min_calls": 21}), day + timedelta(minutes=30)) == []
    assert U.detect(frame, U.params({}), day + timedelta(hours=2)) == []   # priced since, or gone
    assert U.detect(frame, U.params({"where": {"service": ["other"]}}), day + timedelta(minutes=30)) == []


def test_calls_of_providers_priced_by_gpu_time_are_not_unpriced():
    """A vLLM call has no token price by design (its host's GPU time prices it): only other providers fire."""
    day = datetime(2026, 11, 20, tzinfo=timezone.utc)
    frame = unpriced_frame([(day + timedelta(minutes=m), provider, model, 2) for m in range(1, 11)
                            for provider, model in (("vLLM", "llama-3.1-8b"), ("openai", "gpt-9"))])
    U = unpriced.DETECTOR
    signals = U.detect(frame, U.params({"self_hosted": ["vllm", "tgi"]}), day + timedelta(minutes=30))
    assert [s.labels for s in signals] == [{"provider": "openai", "model": "gpt-9"}]
    assert len(U.detect(frame, U.params({}), day + timedelta(minutes=30))) == 2
    merged = U.merge_params([U.params({"self_hosted": ["vllm"]}), U.params({"self_hosted": ["tgi"]})])
    assert merged.self_hosted == ("tgi", "vllm")


def minutes(subject: str, name: str, times: list[datetime], rows: int = 5) -> pl.DataFrame:
    return pl.DataFrame([(t, subject, "p", name, "", "", rows) for t in times], orient="row", schema={
        "time": pl.Datetime("us", "UTC"), "subject": pl.String, "project": pl.String, "service": pl.String,
        "host": pl.String, "source": pl.String, "rows": pl.Int64})


def test_silence_is_measured_against_the_subjects_own_rhythm():
    busy = minutes("service", "busy", [DAY0 + i * MINUTE for i in range(600)])
    hourly = minutes("service", "hourly", [DAY0 + i * timedelta(hours=1) for i in range(10)])
    frame = pl.concat([busy, hourly])
    now = DAY0 + timedelta(hours=10, minutes=30)   # busy last seen at 9:59, hourly at 9:00
    [signal] = N.detect(frame, N.params({}), now)
    assert signal.labels == {"subject": "service", "project": "p", "service": "busy"}
    assert signal.evidence["silent_for"] == "31m" and signal.evidence["threshold"] == "15m"
    both = N.detect(frame, N.params({"gap_factor": 0}), now)
    assert [s.labels["service"] for s in both] == ["busy", "hourly"]
    assert N.detect(frame, N.params({"silence": "1h"}), now) == []
    assert N.detect(frame, N.params({"subjects": ["gpu_host", "ingest"]}), now) == []


def test_a_subject_quiet_at_the_same_time_yesterday_is_not_dead():
    office = [DAY0 + timedelta(days=d, hours=h, minutes=m) for d in range(3) for h in range(8, 18) for m in range(60)]
    frame = minutes("service", "office", office)
    evening = DAY0 + timedelta(days=2, hours=20)
    assert N.detect(frame, N.params({}), evening) == []
    assert [s.labels["service"] for s in N.detect(frame, N.params({"daily": False}), evening)] == ["office"]
    stopped = frame.filter(pl.col("time") < DAY0 + timedelta(days=2, hours=11))
    [signal] = N.detect(stopped, N.params({}), DAY0 + timedelta(days=2, hours=12))
    assert signal.value == 3660.0   # last seen at the end of 10:58-10:59


def test_where_applies_to_the_subjects_that_have_the_dimension():
    frame = pl.concat([minutes("service", "a", [DAY0 + i * MINUTE for i in range(60)]),
                       minutes("ingest", "", [DAY0 + i * MINUTE for i in range(60)])])
    signals = N.detect(frame, N.params({"where": {"service": ["b"]}}), DAY0 + timedelta(hours=3))
    assert [s.labels for s in signals] == [{"subject": "ingest"}]
