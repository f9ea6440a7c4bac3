"""The whole schema in one call: the store's numbered migrations plus the repeatable views that
other packages generate from code (the `llm_calls` view from the collector's alias table).

It lives in the composition root because the view's SQL belongs to the collector, which the
store may not import; the service, the tests and the benchmarks all build the schema here.
"""

from __future__ import annotations

from collector.normalise.genai_view import MIGRATION as LLM_CALLS_VIEW
from store.base import Store
from store.migrate import RepeatableMigration, apply
from store.migrations import MIGRATIONS

REPEATABLE: tuple[RepeatableMigration, ...] = (LLM_CALLS_VIEW,)


def migrate(store: Store) -> list[str]:
    """Bring `store`'s schema up to date; returns the keys of what was applied now."""
    return apply(store, MIGRATIONS, REPEATABLE)
