"""Label matchers as Alertmanager writes them, shared by routes, inhibition and silences."""

from __future__ import annotations

import pytest

from store.matchers import parse_matcher, render

LABELS = {"severity": "critical", "team": "ml", "service": "chat-api"}


@pytest.mark.parametrize(("text", "expected"), [
    ('severity="critical"', True), ("severity=critical", True), ('severity!="critical"', False),
    ('team=~"ml|ai"', True), ('team=~"m"', False),  # anchored: `m` does not match `ml`
    ('service!~"chat-.*"', False), ('missing=""', True), ('missing!=""', False), ('missing=~".*"', True),
    ('service = "chat-api"', True),
])
def test_each_operator_matches_as_alertmanager_does(text, expected):
    assert parse_matcher(text).matches(LABELS) is expected


def test_quoted_values_keep_escaped_quotes_and_render_back_the_same():
    m = parse_matcher(r'note="say \"hi\""')
    assert m.value == 'say "hi"' and m.matches({"note": 'say "hi"'})
    assert parse_matcher(str(m)) == m
    assert render([parse_matcher("a=1"), parse_matcher('b=~"x|y"')]) == '{a="1",b=~"x|y"}'


@pytest.mark.parametrize(("text", "problem"), [
    ("severity", "is not a matcher"), ("1x=y", "is not a matcher"), ('team=~"("', "regex does not compile"),
    ("a==b", "is not a matcher"),
])
def test_bad_matchers_say_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_matcher(text)
