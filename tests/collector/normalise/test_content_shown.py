"""What the API shows of a stored span's content (collector/normalise/content.shown): content the collector kept
after redaction, for a project that still captures it; anything else reduced as the collector strips it."""

from __future__ import annotations

from collector.normalise.content import shown

RAW = {"gen_ai.input.messages": '[{"role": "user", "content": "hi, I am jane@example.com"}]',
       "gen_ai.request.model": "gpt-4o"}
EVENTS = [("gen_ai.user.message", {"role": "user", "content": "hi"}), ("retry", {"attempt": "2"})]


def test_redacted_content_of_a_capturing_project_is_shown_as_stored():
    stored = {**RAW, "spyglass.content": "redacted", "spyglass.redactions": "1"}
    seen = shown(stored, EVENTS, captures=True)
    assert (seen.attributes, seen.events, seen.content) == (stored, EVENTS, "redacted")


def test_raw_content_from_another_writer_is_withheld():
    seen = shown(RAW, EVENTS, captures=True)
    assert seen.attributes == {"gen_ai.request.model": "gpt-4o"} and seen.content == "withheld"
    assert seen.events == [("gen_ai.user.message", {"role": "user"}), ("retry", {"attempt": "2"})]


def test_content_of_a_project_that_stopped_capturing_is_withheld():
    seen = shown({**RAW, "spyglass.content": "redacted"}, [], captures=False)
    assert "gen_ai.input.messages" not in seen.attributes and seen.content == "withheld"


def test_a_stripped_span_says_so_and_a_span_without_content_says_nothing():
    assert shown({"spyglass.content": "stripped"}, [], captures=False).content == "stripped"
    assert shown({"http.route": "/chat"}, [], captures=True).content == ""
