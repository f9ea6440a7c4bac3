"""The catalog: the shipped file is sound, bad input is refused clearly, versions are content."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.costs.catalog import SHIPPED_PATH, CatalogError, load_catalog, load_shipped, parse_catalog
from pipelines.costs.catalog_check import check_file, errors, validate
from store.errors import ConfigError
from tests.helpers.catalogs import catalog

OTEL_PROVIDERS = {"openai", "anthropic", "gcp.gemini", "gcp.vertex_ai", "mistral_ai", "aws.bedrock", "groq",
                  "deepseek", "x_ai", "cohere", "azure.ai.openai"}
E = {"provider": "openai", "input": "1", "output": "2"}


def test_shipped_catalog_validates_cleanly_and_covers_40_models() -> None:
    cat = load_shipped()
    assert validate(cat) == []
    families = {(e.provider, e.models[0] if e.models else e.pattern) for e in cat.entries}
    assert len(families) >= 40
    assert {e.provider for e in cat.entries} <= OTEL_PROVIDERS
    assert {"openai", "anthropic", "gcp.gemini", "mistral_ai", "groq", "aws.bedrock", "deepseek", "x_ai",
            "cohere"} <= {e.provider for e in cat.entries}
    for e in cat.entries:
        assert e.source and e.source.startswith("https://") and e.checked is not None, e.id
        assert e.origin == "shipped" and e.currency == "USD"
    names = {n for e in cat.entries for n in e.models}
    assert {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "o4-mini", "text-embedding-3-small", "text-embedding-3-large",
            "claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash",
            "gemini-2.5-flash-lite", "mistral-large-latest", "codestral-latest", "llama-3.3-70b-versatile",
            "deepseek-chat", "deepseek-reasoner", "grok-4", "command-a-03-2025", "embed-v4.0"} <= names


def test_version_is_stable_and_follows_content() -> None:
    a, b = load_shipped(), load_shipped()
    assert a.version == b.version and len(a.version) == 64
    one = catalog({**E, "id": "x", "models": ["m"], "input": "3"})
    same = catalog({**E, "id": "x", "models": ["m"], "input": "3.000"})
    changed = catalog({**E, "id": "x", "models": ["m"], "input": "3.01"})
    assert one.version == same.version  # equal prices spelled differently
    assert one.version != changed.version
    first = a.entries[0]
    bumped = a.model_copy(update={"entries": (first.model_copy(update={"output": first.output + 1}),) + a.entries[1:]})
    assert bumped.version != a.version
    reordered = a.model_copy(update={"entries": tuple(reversed(a.entries))})
    assert reordered.version == a.version


def test_overlapping_dates_for_the_same_name_are_an_error() -> None:
    cat = catalog(
        {**E, "id": "old", "models": ["m"], "effective_to": "2025-06-10T00:00:00Z"},
        {**E, "id": "new", "models": ["m"], "effective_from": "2025-06-01T00:00:00Z"},
    )
    (issue,) = errors(cat)
    assert issue.entry_id == "new"
    assert "overlapping dates with old for exact name(s) m" in issue.message
    assert "always..2025-06-10T00:00:00+00:00 and 2025-06-01T00:00:00+00:00..open" in issue.message


def test_adjacent_periods_and_different_scopes_do_not_overlap() -> None:
    cat = catalog(
        {**E, "id": "old", "models": ["m"], "effective_to": "2025-06-10T00:00:00Z"},
        {**E, "id": "new", "models": ["m"], "effective_from": "2025-06-10T00:00:00Z"},
        {**E, "id": "team", "models": ["m"], "scope": {"team": "ml"}},
    )
    assert validate(cat) == []


def test_same_regex_with_overlapping_dates_is_an_error() -> None:
    cat = catalog({**E, "id": "a", "pattern": "gpt-.*"}, {**E, "id": "b", "pattern": "gpt-.*"})
    assert ["same regex 'gpt-.*'" in i.message for i in errors(cat)] == [True]


def test_regexes_of_equal_specificity_that_match_the_same_name_shadow_each_other() -> None:
    cat = catalog({**E, "id": "a", "pattern": "gpt-4o.*"}, {**E, "id": "b", "pattern": "gpt-4.o"})
    (issue,) = errors(cat, probes=["gpt-4oo"])
    assert issue.message.startswith("regex 'gpt-4.o' shadows a's 'gpt-4o.*': equal specificity (6)")
    assert "gpt-4oo" in issue.message
    assert errors(cat, probes=["gpt-4o-mini"]) == []  # only one matches: no ambiguity


def test_regex_that_also_matches_an_exact_name_is_a_warning() -> None:
    cat = catalog({**E, "id": "re", "pattern": "gpt-4o.*"}, {**E, "id": "exact", "models": ["gpt-4o-mini"]})
    (issue,) = validate(cat)
    assert issue.level == "warning" and issue.entry_id == "re"
    assert "also matches gpt-4o-mini, listed by exact; the exact entry wins" in issue.message


def test_duplicate_ids_are_refused_at_load_and_merge() -> None:
    with pytest.raises(CatalogError, match="catalog: duplicate entry id 'a'"):
        catalog({**E, "id": "a", "models": ["x"]}, {**E, "id": "a", "models": ["y"]})
    shipped = load_shipped()
    with pytest.raises(CatalogError, match="user catalog: duplicate entry id 'openai-gpt-4o'"):
        shipped.merged(catalog({**E, "id": "openai-gpt-4o", "models": ["x"]}))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "a", "provider": "openai", "models": ["m"], "output": "1"}, "entry a: input: Field required"),
        ({**E, "id": "a"}, "needs `models` (exact names) and/or `pattern`"),
        ({**E, "models": ["m"]}, "entry #0: id: Field required"),
        ({**E, "id": "a", "models": ["m"], "input": "-1"}, "input: price must be a non-negative number, got -1"),
        ({**E, "id": "a", "models": ["m"], "input": "0.0000001"}, "more than 6 decimal places"),
        ({**E, "id": "a", "pattern": "gpt-(4o"}, "bad regex 'gpt-(4o'"),
        ({**E, "id": "a", "models": ["m"], "effective_from": "2025-02-01", "effective_to": "2025-01-01"},
         "effective_to must be after effective_from"),
        ({**E, "id": "a", "models": ["m"], "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({**E, "id": "a", "models": ["m"], "tiers": [{"above_input_tokens": 5}, {"above_input_tokens": 5}]},
         "distinct, ascending above_input_tokens"),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message(entry: dict, message: str) -> None:
    with pytest.raises(CatalogError, match=None) as err:
        parse_catalog({"entries": [entry]}, origin="user", where="f.yaml")
    assert message in str(err.value) and str(err.value).startswith("f.yaml: entry")


def test_shipped_entries_need_a_source_and_a_date_and_no_scope() -> None:
    with pytest.raises(CatalogError, match="needs `source` and `checked`"):
        parse_catalog({"entries": [{**E, "id": "a", "models": ["m"]}]})
    with pytest.raises(CatalogError, match="only user entries may be scoped"):
        parse_catalog({"entries": [{**E, "id": "a", "models": ["m"], "source": "https://x", "checked": "2025-01-01",
                                    "scope": {"team": "ml"}}]})


def test_bad_files_raise_a_config_error(tmp_path: Path) -> None:
    cases = {
        "missing.yaml": None,
        "broken.yaml": "entries: [ {id: a, ",
        "list.yaml": "- 1\n- 2\n",
        "badrules.yaml": "rules: {openai: {input_includes_cache: maybe}}\nentries: []\n",
    }
    expected = {"missing.yaml": "cannot read", "broken.yaml": "not valid YAML", "list.yaml": "expected a mapping",
                "badrules.yaml": "rules"}
    for name, text in cases.items():
        p = tmp_path / name
        if text is not None:
            p.write_text(text)
        with pytest.raises(ConfigError) as err:
            load_catalog(p, origin="user")
        assert isinstance(err.value, CatalogError)
        assert str(err.value).startswith(str(p)) and expected[name] in str(err.value), str(err.value)


def test_user_file_layers_on_top_of_the_shipped_catalog(tmp_path: Path) -> None:
    p = tmp_path / "mine.yaml"
    p.write_text(
        "rules: {openai: {output_includes_reasoning: false}}\n"
        "entries:\n"
        "  - {id: negotiated-4o, provider: openai, models: [gpt-4o], input: 2.0, output: 8, scope: {team: ml}}\n"
    )
    cat = load_shipped([p])
    mine = cat.entries[-1]
    assert (mine.id, mine.origin, mine.input, mine.scope.team) == ("negotiated-4o", "user", Decimal("2.0"), "ml")
    assert not cat.rule_for("openai").output_includes_reasoning
    assert cat.rule_for("anthropic").output_includes_reasoning and cat.rule_for("unknown").input_includes_cache
    assert cat.version != load_shipped().version
    assert SHIPPED_PATH.name == "prices.yaml"


def test_check_file_reports_every_problem_as_a_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "entries:\n"
        "  - {id: a, provider: openai, models: [m], input: -1, output: 1}\n"
        "  - {id: b, provider: openai, pattern: 'x(', input: 1, output: 1}\n"
    )
    issues = check_file(bad, origin="user")
    assert [i.level for i in issues] == ["error", "error"]
    assert "entry a: input: price must be a non-negative number, got -1" in issues[0].message
    assert "entry b: pattern: bad regex 'x('" in issues[1].message
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries:\n  - {id: a\n")
    (issue,) = check_file(broken)
    assert "not valid YAML at line" in issue.message and "\n" not in issue.message
    good = tmp_path / "overlap.yaml"
    good.write_text(
        "entries:\n"
        "  - {id: a, provider: openai, models: [m], input: 1, output: 1}\n"
        "  - {id: b, provider: openai, models: [M], input: 2, output: 1, effective_from: 2025-01-01}\n"
    )
    (issue,) = check_file(good, origin="user")
    assert issue.entry_id == "b" and "overlapping dates with a for exact name(s) m" in issue.message
    assert check_file(SHIPPED_PATH) == []


def test_any_known_provider_spelling_means_the_canonical_provider() -> None:
    cat = catalog({**E, "id": "g", "provider": "google", "models": ["gemini-x"]},
                  {**E, "id": "b", "provider": "Bedrock", "models": ["m"]},
                  rules={"vertexai": {"input_includes_cache": False}})
    assert [e.provider for e in cat.entries] == ["gcp.gen_ai", "aws.bedrock"]
    assert cat.rule_for("gcp.vertex_ai").label == ("gcp.vertex_ai: input_includes_cache=false,"
                                                   "output_includes_reasoning=true")
    assert cat.rule_for("vertexai").source == "gcp.vertex_ai"
    with pytest.raises(CatalogError, match="named twice"):
        catalog({**E, "id": "x", "models": ["m"]}, rules={"google": {}, "gcp.gen_ai": {}})


def test_instrumentation_rules_beat_the_providers_and_layer_by_scope() -> None:
    shipped = load_shipped()
    assert shipped.rule_for("anthropic", "openlit.instrumentation.anthropic").label == (
        "openlit.instrumentation.anthropic anthropic: input_includes_cache=false,output_includes_reasoning=true")
    assert shipped.rule_for("anthropic", "opentelemetry.instrumentation.anthropic").source == "anthropic"
    assert shipped.rule_for("perplexity").source == "convention"
    user = parse_catalog({"entries": [], "instrumentations": {
        "openlit.instrumentation.google_ai_studio": {"gemini": {"output_includes_reasoning": True}},
        "my.scope": {"bedrock": {"input_includes_cache": False}}}}, origin="user")
    merged = shipped.merged(user)
    assert merged.rule_for("gcp.gemini", "openlit.instrumentation.google_ai_studio").rule.output_includes_reasoning
    assert not merged.rule_for("aws.bedrock", "my.scope").rule.input_includes_cache
    assert not merged.rule_for("anthropic", "openlit.instrumentation.anthropic").rule.input_includes_cache  # kept
    assert merged.version != shipped.version


def test_deployments_come_from_a_catalog_file_and_the_setting_and_change_the_version() -> None:
    user = parse_catalog({"entries": [], "deployments": {"prod-4o": "gpt-4o"}}, origin="user")
    merged = load_shipped().merged(user)
    assert merged.deployments == {"prod-4o": "gpt-4o"}
    both = merged.with_deployments({"eu-mini": "gpt-4o-mini"})
    assert both.deployments == {"prod-4o": "gpt-4o", "eu-mini": "gpt-4o-mini"}
    assert len({load_shipped().version, merged.version, both.version}) == 3
    with pytest.raises(CatalogError, match="deployments"):
        parse_catalog({"entries": [], "deployments": {"prod-4o": ["gpt-4o"]}}, origin="user")
