"""PII redaction against a corpus of real-looking PII and of look-alikes that must survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from collector.normalise.pii_checks import iban_valid, luhn_valid
from collector.normalise.redaction import RedactionConfig, redactor

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "data" / "redaction_corpus.yaml").read_text())


@pytest.mark.parametrize("case", CORPUS["positive"], ids=lambda c: c["text"][:40])
def test_pii_is_redacted_and_counted(case):
    result = redactor().redact(case["text"])
    assert dict(result.counts) == case["kinds"]
    assert case["secret"] not in result.text
    for kind, n in case["kinds"].items():
        assert result.text.count(f"[REDACTED:{kind}]") == n


@pytest.mark.parametrize("text", CORPUS["negative"], ids=lambda t: t[:40])
def test_look_alikes_survive(text):
    result = redactor().redact(text)
    assert result.text == text and not result.counts


def test_checksums():
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")
    assert not luhn_valid("4242")  # too short to be a card
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB83 WEST 1234 5698 7654 32")


def test_kinds_can_be_disabled_and_added():
    config = RedactionConfig.from_settings(disabled=["email"], extra={"employee_id": r"\bEMP-\d{6}\b"})
    result = redactor(config).redact("mail bob@example.com about EMP-004211 at 10.1.2.3")
    assert result.text == "mail bob@example.com about [REDACTED:employee_id] at [REDACTED:ipv4]"
    assert dict(result.counts) == {"employee_id": 1, "ipv4": 1}


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="unknown redaction kinds"):
        RedactionConfig.from_settings(disabled=["emails"])
    with pytest.raises(ValueError, match="not a valid regular expression"):
        RedactionConfig.from_settings(extra={"broken": "(unclosed"})


def test_json_content_stays_json():
    content = "I am ann@example.org, +1-202-555-0143"
    text = json.dumps([{"role": "user", "parts": [{"type": "text", "content": content}]}])
    redacted = redactor().redact(text).text
    assert json.loads(redacted)[0]["parts"][0]["content"] == "I am [REDACTED:email], [REDACTED:phone]"


def test_settings_refuse_a_bad_redaction_configuration():
    from spyglass.config import load
    from store.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown redaction kinds"):
        load(content={"redaction_disabled": ["phones"]})
    patterns = {"ticket": r"\bT-\d+\b"}
    assert load(content={"redaction_patterns": patterns}).content.redaction_patterns == patterns
