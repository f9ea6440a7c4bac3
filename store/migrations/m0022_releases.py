"""Releases (issue 15): the versions a call ran under, every change in the fleet, and their verdicts.

- `llm_calls` gains `service_version` (resource `service.version`), `prompt_name` and
  `prompt_version` (the alias table says which attributes carry them), so a comparison can split
  calls by any of them. The `llm_calls` view is repeatable: it is rendered again with the new
  columns at start, and spans already stored are normalised again (duplicates collapse).
- `changes`: one row per change (a deploy, a prompt version, a model or snapshot, a provider, a
  price catalog version, a config or flag), detected by the changes job or reported through the
  API. A detected change's `id` is a hash of what changed, so detecting it again (another run, a
  restart) writes the same id, and ReplacingMergeTree keyed by `id` keeps one row.
  `dimension` is the `llm_calls` column a comparison splits by (`service_version`, ...; empty for
  a change no column shows, such as a price), `subject` what it is of (the prompt's name, the
  requested model whose snapshot moved).
- `change_verdicts`: one row per change and analysis run: the verdict, score, the metrics that got
  worse, and the whole comparison as JSON (what the API, the detector and the post-mortem read).
"""

from store.ddl import DDL, TableSpec

NAME = "releases"

_TEXT = "LowCardinality(String) CODEC(ZSTD(1))"
_TIME = "DateTime64(9, 'UTC')"

CHANGES = TableSpec(
    name="changes",
    body=f"""    `id` String,
    `at` {_TIME},
    `kind` LowCardinality(String),
    `project` LowCardinality(String),
    `service` LowCardinality(String),
    `model` LowCardinality(String),
    `dimension` LowCardinality(String),
    `subject` String,
    `from_value` String,
    `to_value` String,
    `source` LowCardinality(String),
    `author` String,
    `description` String,
    `link` String,
    `recorded_at` DateTime64(3, 'UTC')""",
    engine="ReplacingMergeTree",
    engine_args=("recorded_at",),
    order_by="id",
    sharding_key="cityHash64(id)",
)

CHANGE_VERDICTS = TableSpec(
    name="change_verdicts",
    body=f"""    `change_id` String,
    `run_at` {_TIME},
    `mode` LowCardinality(String),
    `window_start` {_TIME},
    `window_end` {_TIME},
    `verdict` LowCardinality(String),
    `score` Float64,
    `worse` Array(String),
    `report` String CODEC(ZSTD(3))""",
    order_by="(change_id, run_at)",
    sharding_key="cityHash64(change_id)",
)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.add_column("llm_calls", f"`service_version` {_TEXT}", "service_name"),
            *ddl.add_column("llm_calls", f"`prompt_name` {_TEXT}", "response_model"),
            *ddl.add_column("llm_calls", f"`prompt_version` {_TEXT}", "prompt_name"),
            *ddl.create_table(CHANGES), *ddl.create_table(CHANGE_VERDICTS)]
