"""The instrumentation that reported a call, and how its price was found (issue 12).

- `llm_calls.scope_name`: the span's instrumentation scope (`openlit.instrumentation.anthropic`,
  `opentelemetry.instrumentation.anthropic`, ...). Token accounting differs by instrumentation,
  not only by provider (OpenLIT reports Anthropic's native input count, which excludes the
  cache; OpenInference and OpenLLMetry report the convention's), so the cost job picks the
  accounting rule by (scope, provider). Rows written before stay '' and get the provider's rule.
- on `request_costs` and `request_cost_history`: `scope_name`, and `price_basis` / `priced_as`,
  which say how the entry was found: the call's provider's own list (`provider`), a gateway's
  own entry (`gateway`) or the vendor's list price for a gateway name such as
  `anthropic/claude-sonnet-4.5` (`vendor`), and the provider/name the entry matched
  (`anthropic/claude-sonnet-4-5`, or the model behind an Azure deployment name).
- `request_cost_versions` (migration 11) selects `*` of both tables: it is created again so that
  it has the new columns.
"""

from store.ddl import DDL
from store.migrations.m0011_cost_history_superseded import VERSIONS

NAME = "instrumentation scope and price basis"

_TEXT = "LowCardinality(String) CODEC(ZSTD(1))"


def statements(ddl: DDL) -> list[str]:
    out = ddl.add_column("llm_calls", f"`scope_name` {_TEXT}", "service_name")
    for table in ("request_costs", "request_cost_history"):
        out += [*ddl.add_column(table, f"`scope_name` {_TEXT}", "service_name"),
                *ddl.add_column(table, f"`price_basis` {_TEXT}", "rule"),
                *ddl.add_column(table, f"`priced_as` {_TEXT}", "price_basis")]
    return [*out, *ddl.drop_view("request_cost_versions"), *ddl.create_view("request_cost_versions", VERSIONS)]
