"""The spend rule, in one place: what a call costs, and whether it has a price.

A call served by a GPU host (it is in the latest GPU cost run of its hour, `request_gpu_costs`)
costs its share of the host's GPU time, and has a price when its host-hour has one. A token price
it may also have (an OpenAI-compatible server reporting `openai`/`gpt-4o`) is not counted: the
call would be paid twice. Every other call costs its token price (`request_costs`). The FOCUS
export applies the same rule (store/queries/focus.py); the spend rollup (store/queries/cost_rollup.py)
and the per-call questions (store/queries/spend.py) read calls through `calls_sql` and sum
`MEASURES`, so every page adds up to the export. Idle GPU time belongs to no call and is not here.
"""

from __future__ import annotations

from store.queries.gpu_costs import latest_run

_CALL_COLUMNS = ("timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team", "feature",
                 "user_id", "provider", "model", "status", "reason", "flags", "currency", "input_tokens",
                 "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_input",
                 "cost_cache_read", "cost_cache_write", "cost_output", "cost_reasoning", "cost_request_fee")
TOKEN_PARTS = ("cost_input", "cost_cache_read", "cost_cache_write", "cost_output", "cost_reasoning",
               "cost_request_fee")


def calls_sql(call_where: str, gpu_hours_where: str, extra: tuple[str, ...] = ()) -> str:
    """The cost rows matching `call_where` (over request_costs columns), each with its GPU allocation:
    `served` (1 when GPU-served), `gpu_amount` and `gpu_priced`, `gpu_host` and `gpu_price_source`;
    the token side as `token_amount` and `token_priced`. `gpu_hours_where` (over `hour`) names the
    hours whose latest GPU run is read: the hours of the calls, or a superset. `extra` names more
    request_costs columns to carry (the price entry, the catalog version: what one call's breakdown shows)."""
    columns = ", ".join(f"c.{name} AS {name}" for name in (*_CALL_COLUMNS, *extra))
    return f"""
SELECT {columns}, c.cost_total AS token_amount, c.priced AS token_priced, g.served AS served,
    g.gpu_amount AS gpu_amount, g.gpu_priced AS gpu_priced, g.gpu_host AS gpu_host,
    g.gpu_price_source AS gpu_price_source
FROM request_costs AS c FINAL
LEFT JOIN (
    SELECT trace_id, span_id, toUInt8(1) AS served, gpu_cost AS gpu_amount, priced AS gpu_priced, gpu_host,
        price_source AS gpu_price_source
    FROM request_gpu_costs
    WHERE {gpu_hours_where} AND {latest_run(gpu_hours_where)}) AS g
ON c.trace_id = g.trace_id AND c.span_id = g.span_id
WHERE {call_where}"""


def _money(expr: str) -> str:
    return f"toDecimal128(ifNull({expr}, 0), 12)"


_TOKEN = "sumIf(token_amount, served = 0{})"
_GPU = "sumIf(gpu_amount, served = 1{})"
_SUCCESS = " AND status != 'error'"
HAS_PRICE = "if(served = 1, gpu_priced, token_priced)"
# One call's spend by the rule (NULL when it has no price): summed over calls it equals MEASURES' cost_total.
SPEND = "if(served = 1, if(gpu_priced, gpu_amount, NULL), if(token_priced, token_amount, NULL))"
# A call's key for joining calls to their cost rows: two 64-bit hashes of (trace_id, span_id). Joining on one
# fixed-size key is about three times faster than on the two strings; 128 bits make a collision practically
# impossible (about 1e-26 for two million calls).
CALL_KEY = "cityHash64(trace_id, span_id) AS k1, xxHash64(trace_id, span_id) AS k2"
# Per group of calls from `calls_sql`: the spend (token + GPU), its split, and the counts, by the rule above.
MEASURES = {
    "cost_total": _money(f"{_money(_TOKEN.format(''))} + {_money(_GPU.format(''))}"),
    "token_cost": _money(_TOKEN.format("")),
    "gpu_cost": _money(_GPU.format("")),
    "successful_cost": _money(f"{_money(_TOKEN.format(_SUCCESS))} + {_money(_GPU.format(_SUCCESS))}"),
    "calls": "count()",
    "successful_calls": "countIf(status != 'error')",
    "priced_calls": f"countIf({HAS_PRICE})",
    "unpriced_calls": f"countIf(NOT {HAS_PRICE})",
    "gpu_calls": "countIf(served = 1)",
    "flagged_calls": "countIf(length(flags) > 0)",
    **{t: f"sum({t})" for t in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                                  "reasoning_tokens")},
    **{part: _money(f"sumIf({part}, served = 0)") for part in TOKEN_PARTS},
}
