"""The spend rollups count GPU cost: `token_cost`, `gpu_cost` and `gpu_calls` on `cost_hourly` and `cost_slices`.

Why: the breakdowns, tiles and budgets read `cost_hourly`, which held token prices only, so the Costs
page's spend left out the self-hosted GPU cost that the FOCUS export of the same period counted, and
vLLM calls priced through GPU time showed as unpriced. From here on the rollup applies the FOCUS
export's rule (store/queries/call_spend.py): a call served by a GPU host (in the latest GPU cost run
of its hour) costs its share of the host's GPU time and its token price, if any, is not counted;
every other call costs its token price. So, per rollup row:
- `token_cost`: the token cost of the priced calls not GPU-served (the `cost_*` parts likewise);
- `gpu_cost`: the GPU cost allocated to the GPU-served calls (of host-hours with a price);
- `cost_total` = `token_cost` + `gpu_cost`, the one spend every page shows;
- `priced_calls` / `unpriced_calls`: whether the call has a price by that rule (a GPU-served call is
  priced when its host-hour is), `gpu_calls` how many were GPU-served.
Idle GPU time belongs to no call and stays out (`gpu_cost_hourly`).

Rows written before keep their meaning, which is the same for hours without GPU-served calls
(`token_cost` defaults to `cost_total` there); the hours with GPU-served calls are queued for the
rollup job here, so it recomputes them under the new rule.
"""

from store.ddl import DDL

NAME = "spend_with_gpu"

_COLUMNS = (("`token_cost` Decimal(38, 12) DEFAULT cost_total CODEC(ZSTD(1))", "cost_total"),
            ("`gpu_cost` Decimal(38, 12) DEFAULT 0 CODEC(ZSTD(1))", "token_cost"),
            ("`gpu_calls` UInt64 DEFAULT 0 CODEC(T64, ZSTD(1))", "unpriced_calls"))


def statements(ddl: DDL) -> list[str]:
    return [
        *(statement for table in ("cost_hourly", "cost_slices") for column, after in _COLUMNS
          for statement in ddl.add_column(table, column, after)),
        """INSERT INTO cost_rollup_queue (hour, slice, source)
SELECT DISTINCT toStartOfHour(timestamp), toStartOfFiveMinutes(timestamp), 'gpu' FROM request_gpu_costs""",
    ]
