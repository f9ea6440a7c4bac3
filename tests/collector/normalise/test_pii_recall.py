"""Measured redaction: recall >= 99 % for every kind and no false positive, on the labelled corpus.

The corpus (tests/helpers/pii_corpus.py) plants every kind's values in sentences and in GenAI JSON
messages, and look-alikes that must survive; tests/helpers/pii_report.py measures it (the same code
prints the table of docs/redaction.md). The last test sends the whole corpus through the collector's
real ingest steps (OTLP protobuf decode, then content normalisation) to show the stored text is what the
redactor produced.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from collector.decode import traces
from collector.normalise.content import ContentPolicy, normalise
from collector.normalise.redaction import KINDS, redactor
from tests.helpers.otlp_json import TRACE_ID
from tests.helpers.pii_corpus import lookalike_samples, pii_samples
from tests.helpers.pii_report import corpus, measure

PII = pii_samples()
LOOKALIKES = lookalike_samples()
MEASURED = measure(PII + LOOKALIKES)


def test_the_corpus_is_large_and_covers_every_kind_in_both_shapes():
    strings = {(s.label, s.value) for s in PII}
    assert len(strings) >= 300
    assert {s.label for s in PII} == set(KINDS) and len(KINDS) >= 20
    assert len({(s.label, s.value) for s in LOOKALIKES}) >= len(strings)
    for samples in (PII, LOOKALIKES):
        assert {s.shape == "sentence" for s in samples} == {True, False}  # sentences and JSON messages
    assert all(json.loads(s.text) for s in PII + LOOKALIKES if s.shape != "sentence")


@pytest.mark.parametrize("kind", KINDS)
def test_recall_of_every_kind_is_at_least_99_percent(kind):
    tally = MEASURED.kinds[kind]
    missed = [(s.text, out) for s, out in MEASURED.misses if s.pii and s.label == kind]
    assert tally.rate >= 0.99, missed[:3]


@pytest.mark.parametrize("kind", KINDS)
def test_no_kind_redacts_anything_it_should_not(kind):
    assert MEASURED.false_positives(kind) == 0, [(s.text, out) for s, out in MEASURED.misses][:3]


def test_every_look_alike_survives_unchanged():
    assert all(t.ok == t.samples for t in MEASURED.families.values()), \
        [(s.text, out) for s, out in MEASURED.misses if not s.pii][:3]


def test_redacted_json_messages_stay_json():
    for sample in PII:
        if sample.shape != "sentence":
            json.loads(redactor().redact(sample.text).text)


def test_the_measurement_sees_a_miss_and_a_false_positive():
    """The measure itself can fail: a redactor that does nothing misses every kind; one that redacts
    everything hits every look-alike."""
    from collector.normalise.redaction import Redaction

    nothing = measure(PII[:4] + LOOKALIKES[:4], lambda text: Redaction(text, Counter()))
    assert nothing.kinds[PII[0].label].rate == 0 and all(t.ok == t.samples for t in nothing.families.values())
    everything = measure(LOOKALIKES[:4], lambda text: Redaction("[REDACTED:email]", Counter(email=1)))
    assert everything.false_positives("email") == 4


def test_the_ingest_path_stores_what_the_measurement_measured():
    """Every sample as a span's `gen_ai.input.messages`, through OTLP decode and content normalisation."""
    samples = corpus()
    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add().spans
    for i, sample in enumerate(samples):
        span = spans.add(trace_id=bytes.fromhex(TRACE_ID), span_id=(i + 1).to_bytes(8, "big"), name="chat gpt-4o",
                         kind=3, start_time_unix_nano=1_763_700_000_000_000_000,
                         end_time_unix_nano=1_763_700_001_000_000_000)
        span.attributes.add(key="gen_ai.input.messages").value.string_value = sample.text
    decoded = traces.decode(request, "assistant")
    assert decoded.rejected == 0, decoded.errors
    stored = normalise(decoded.tables, ContentPolicy(capture_projects=frozenset({"assistant"})))["otel_traces"]
    rows = [dict(pairs) for pairs in stored["SpanAttributes"].to_pylist()]
    assert len(rows) == len(samples)
    for sample, attributes in zip(samples, rows, strict=True):
        assert attributes["gen_ai.input.messages"] == sample.expected, sample.text
        assert attributes["spyglass.content"] == "redacted"
        assert attributes["spyglass.redactions"] == ("1" if sample.pii else "0")
        if sample.pii:
            assert attributes[f"spyglass.redactions.{sample.label}"] == "1"
