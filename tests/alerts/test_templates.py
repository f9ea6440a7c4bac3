"""Annotation templates in Prometheus' syntax: compiled at load, rendered per instance, no code can run."""

from __future__ import annotations

import pytest

from alerts.templates import TemplateData, TemplateError, compile_template, humanize, humanize_duration

DATA = TemplateData({"service": "chat-api", "service.name": "dotted", "model": "gpt-4o"}, 1234567.0, 1000.0,
                    {"baseline": "12.5", "share": 0.25, "top": {"team": "search"}})


@pytest.mark.parametrize(("source", "rendered"), [
    ("Cost of {{ $labels.service }} is {{ $value }}", "Cost of chat-api is 1234567"),
    ("{{ .Labels.model }}/{{ .Value }}", "gpt-4o/1234567"),
    ("{{ $value | humanize }} over {{ $threshold }}", "1.235M over 1000"),
    ('{{ printf "%.2f" $value }}', "1234567.00"),
    ('{{ $value | printf "%.1f" }}', "1234567.0"),
    ('${{ printf "%.2f" $evidence.baseline }}', "$12.50"),       # money arrives as decimal strings
    ('{{ printf "%.0f ms" $evidence.share }}', "0 ms"),
    ("{{ humanizePercentage $evidence.share }}", "25%"),
    ("baseline {{ $evidence.baseline }}, top {{ $evidence.top.team }}", "baseline 12.5, top search"),
    ('{{ index $labels "service.name" }}', "dotted"),
    ("[{{ $labels.nothing }}]", "[]"),
    ("a  {{- $labels.model -}}  b", "agpt-4ob"),
    ("{{/* a comment */}}plain", "plain"),
    ("{{ $labels.service | toUpper }}", "CHAT-API"),
    ("no actions at all", "no actions at all"),
])
def test_templates_render_like_prometheus(source, rendered):
    assert compile_template(source).render(DATA) == rendered


@pytest.mark.parametrize(("source", "problem"), [
    ("{{ $labels.service", "unbalanced braces"),
    ("{{ $lables.service }}", r"unknown variable \$lables"),
    ("{{ if $value }}x{{ end }}", "unknown function 'if'"),
    ("{{ $value.x }}", "is a number and has no fields"),
    ("{{ __import__ }}", "unknown function '__import__'"),
    ("{{ $labels.a $value }}", "cannot take arguments"),
    ("{{ $value | }}", "empty command"),
])
def test_bad_templates_fail_when_compiled_with_the_action_named(source, problem):
    with pytest.raises(TemplateError, match=problem):
        compile_template(source)


def test_a_function_given_the_wrong_kind_of_value_says_so_in_the_text_instead_of_failing():
    assert compile_template("{{ humanize $labels.service }}").render(DATA).startswith("<error:")


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (1234, "1.234k"), (0.0123, "12.3m"), (-2_500_000, "-2.5M")])
def test_humanize(value, text):
    assert humanize(value) == text


@pytest.mark.parametrize(("seconds", "text"), [(90061, "1d 1h 1m 1s"), (61, "1m 1s"), (0.25, "250ms"), (5, "5s")])
def test_humanize_duration(seconds, text):
    assert humanize_duration(seconds) == text
