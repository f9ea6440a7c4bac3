"""`prices explain`: the winner first, and one reason for every loser."""

from __future__ import annotations

from pipelines.costs.explain import explain
from tests.helpers.catalogs import catalog, utc

E = {"provider": "openai", "input": "1", "output": "2"}


def test_explain_lists_winner_then_each_losers_reason() -> None:
    cat = catalog(
        {**E, "id": "old", "models": ["o3"], "effective_to": "2025-06-10T00:00:00Z"},
        {**E, "id": "new", "models": ["o3"], "effective_from": "2025-06-10T00:00:00Z"},
        {**E, "id": "team", "models": ["o3"], "scope": {"team": "ml"}},
        {**E, "id": "any-o", "pattern": "o.*"},
        {**E, "id": "other", "models": ["gpt-4o"]},
    )
    got = explain(cat, "openai", "o3", utc(2025, 7, 1), project="p", team="web")
    assert [(c.entry.id, c.applies) for c in got] == [("new", True), ("old", False), ("team", False), ("any-o", False)]
    assert got[0].why.startswith("user entry new (global) by exact name 'o3', effective 2025-06-10T00:00:00+00:00")
    assert got[1].why.startswith("not effective at 2025-07-01T00:00:00+00:00")
    assert got[2].why == "scope {'team': 'ml'} does not match project='p' team='web'"
    assert got[3].why.startswith("outranked by new")
    assert explain(cat, "openai", "mystery", utc(2025, 7, 1)) == []
