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
    assert lines[0].startswith("APPLIES  my-gpt-4o-for-search")
    assert any(line.startswith("skipped  openai-gpt-4o: outranked by my-gpt-4o-for-search") for line in lines)
    other_team = spyglass("prices", "explain", "--model", "gpt-4o", "--provider", "openai", "--team", "growth",
                          "--catalog", "team.yaml", cwd=tmp_path)
    assert other_team.stdout.startswith("APPLIES  openai-gpt-4o")
    unknown = spyglass("prices", "explain", "--model", "no-such-model", "--provider", "openai", cwd=tmp_path)
    assert unknown.returncode == 1 and "stored unpriced" in unknown.stdout
