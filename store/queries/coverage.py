"""How much of the traffic is priced, and how: the store side of `/api/v1/costs/coverage`.

One grouped read of the latest cost row of each call (`request_costs FINAL`) in a range, by
provider, model, instrumentation scope, price basis and reason; pipelines/costs/coverage.py
folds these rows into the report (shares, what to add), so the endpoint is a thin wrapper.
"""

from __future__ import annotations

from typing import Any

from store.base import Store, query_rows
from store.queries.filters import Filters
from store.queries.spend import where


def coverage_rows(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Calls, tokens and cost of the range by provider, model, scope, basis, priced and reason."""
    clause, params = where(f, per_call=True)
    return query_rows(store, f"""
SELECT provider, model, scope_name, price_basis, priced, reason, count() AS calls,
    sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    toDecimal128(ifNull(sum(cost_total), 0), 12) AS cost
FROM request_costs FINAL
WHERE {clause}
GROUP BY provider, model, scope_name, price_basis, priced, reason
ORDER BY calls DESC, provider, model""", params)
