"""GET /api/v1/costs/catalog/entries: the price entries the service prices with, exact, and a negotiated rate scoped
to a project seen only by keys that reach that project."""

from __future__ import annotations

from decimal import Decimal

import httpx

from client.api import ApiClient

USER_CATALOG = """entries:
  - {id: alpha-rate, provider: openai, models: [gpt-4o], input: "1.25", output: "5.000001",
     scope: {project: alpha}}
  - {id: house-model, provider: openai, models: [house-1], input: "0.1", output: "0.2",
     tiers: [{above_input_tokens: 128000, input: "0.2"}]}
"""


def test_entries_are_exact_and_scoped_to_their_project(service_factory, tmp_path):
    catalog = tmp_path / "prices.yaml"
    catalog.write_text(USER_CATALOG)
    running = service_factory(costs={"catalog_files": [str(catalog)]},
                              read_keys={"all-key": "*", "alpha-key": ["alpha"], "beta-key": ["beta"]})
    with ApiClient(running.api, "all-key") as api:
        everything = api.price_catalog()
        status = api.cost_catalog()
    assert everything.version == status.version
    assert len(everything.entries) == status.entries
    by_id = {e.id: e for e in everything.entries}
    assert by_id["alpha-rate"].output == Decimal("5.000001") and by_id["alpha-rate"].project == "alpha"
    assert by_id["alpha-rate"].origin == "user"
    assert by_id["house-model"].tiers[0].above_input_tokens == 128000
    assert by_id["house-model"].tiers[0].input == Decimal("0.2") and by_id["house-model"].tiers[0].output is None
    shipped = [e for e in everything.entries if e.origin == "shipped"]
    assert shipped and all(e.source and e.checked for e in shipped)
    raw = httpx.get(f"{running.api}/api/v1/costs/catalog/entries", headers={"Authorization": "Bearer all-key"},
                    timeout=30).json()
    assert next(e for e in raw["entries"] if e["id"] == "alpha-rate")["output"] == "5.000001"  # text, not a float

    with ApiClient(running.api, "alpha-key") as api:
        assert "alpha-rate" in {e.id for e in api.price_catalog().entries}
    with ApiClient(running.api, "beta-key") as api:
        beta = {e.id for e in api.price_catalog().entries}
    assert "alpha-rate" not in beta and "house-model" in beta
    assert len(beta) == len(everything.entries) - 1
