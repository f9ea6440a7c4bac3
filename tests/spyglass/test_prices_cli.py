"""`spyglass prices check` and `prices explain` on the shipped catalog and on user files."""

from __future__ import annotations

from tests.helpers.cli import spyglass

TEAM_PRICE = """entries:
  - id: my-gpt-4o-for-search
    provider: openai
    models: [gpt-4o]
    input: "2.00"
    output: "8.00"
    scope: {team: search}
"""


def test_the_shipped_catalog_checks_clean(tmp_path):
    result = spyglass("prices", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout and "catalog version " in result.stdout


def test_a_bad_user_file_is_reported_not_a_traceback(tmp_path):
    (tmp_path / "bad.yaml").write_text('entries:\n  - id: x\n    provider: openai\n    models: [m]\n'
                                       '    input: "-1"\n    output: "1"\n')
    (tmp_path / "broken.yaml").write_text("entries: [\n")
    result = spyglass("prices", "check", "bad.yaml", "broken.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "broken.yaml: not valid YAML" in result.stdout and "bad.yaml" in result.stdout


def test_explain_says_which_entry_wins_and_why(tmp_path):
    (tmp_path / "team.yaml").write_text(TEAM_PRICE)
    for_search = spyglass("prices", "explain", "--model", "gpt-4o", "--provider", "openai", "--team", "search",
                          "--catalog", "team.yaml", cwd=tmp_path)
    assert for_search.returncode == 0, for_search.stderr
    lines = for_search.stdout.splitlines()
    assert lines[:2] == ["provider openai means openai", "looked up, in order: openai/gpt-4o"]
    assert lines[2].startswith("APPLIES  my-gpt-4o-for-search")
    assert any(line.startswith("skipped  openai-gpt-4o: outranked by my-gpt-4o-for-search") for line in lines)
    assert "  base: input $2/M ($0.000002/token), cache_read $2/M ($0.000002/token), cache_write $2/M " \
           "($0.000002/token), output $8/M ($0.000008/token), reasoning $8/M ($0.000008/token)" in lines
    other_team = spyglass("prices", "explain", "--model", "gpt-4o", "--provider", "openai", "--team", "growth",
                          "--catalog", "team.yaml", cwd=tmp_path)
    assert other_team.stdout.splitlines()[2].startswith("APPLIES  openai-gpt-4o")
    unknown = spyglass("prices", "explain", "--model", "no-such-model", "--provider", "openai", cwd=tmp_path)
    assert unknown.returncode == 1 and "stored unpriced with the reason: no price entry for openai model " \
        "no-such-model: add one with provider: openai, models: [no-such-model]" in unknown.stdout


def test_check_warns_about_a_provider_name_nobody_sends_and_accepts_any_known_spelling(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        'rules:\n  google: {input_includes_cache: true}\n'
        'entries:\n'
        '  - {id: typo, provider: goggle, models: [gemini-2.5-pro], input: "1", output: "2"}\n'
        '  - {id: spelled, provider: google, models: [gemini-2.5-pro], input: "1", output: "2"}\n')
    result = spyglass("prices", "check", "mine.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr  # a warning, not an error
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: typo: provider 'goggle' is not a provider Spyglass knows (neither canonical "
                        "nor an alias, see store/providers.py): calls are never stored under it, so this never "
                        "applies"]
    assert "0 error(s), 1 warning(s)" in result.stdout


def test_explain_any_spelling_names_the_canonical_provider_and_its_prices(tmp_path):
    result = spyglass("prices", "explain", "--model", "gemini-2.5-pro", "--provider", "google", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "provider google means gcp.gen_ai (priced from gcp.gemini entries when it has none)"
    assert lines[2] == "APPLIES  gemini-2.5-pro: shipped entry gemini-2.5-pro (global) by exact name " \
                       "'gemini-2.5-pro', effective always"
    assert "  prompt > 200,000 tokens: input $2.5/M ($0.0000025/token), cache_read $0.25/M ($0.00000025/token), " \
           "cache_write $2.5/M ($0.0000025/token), output $15/M ($0.000015/token), reasoning $15/M " \
           "($0.000015/token)" in lines


def test_explain_an_azure_deployment_name(tmp_path):
    result = spyglass("prices", "explain", "--model", "prod-4o", "--provider", "azure", "--deployment",
                      "prod-4o=gpt-4o-2024-08-06", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "APPLIES  azure-gpt-4o: shipped entry azure-gpt-4o (global) by regex 'gpt-4o-20\\\\d\\\\d-\\\\d\\\\d-" \
           "\\\\d\\\\d' (deployment prod-4o), effective always" in result.stdout.splitlines()
    bad = spyglass("prices", "explain", "--model", "m", "--provider", "azure", "--deployment", "prod-4o",
                   cwd=tmp_path)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "expected NAME=MODEL" in bad.stderr
