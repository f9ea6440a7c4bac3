"""The named queries: all SQL the API, the dashboard, detectors and reports run, one module per
subject (`llm` for calls). User input reaches SQL only as query parameters."""

from store.queries.filters import EXTRA_FILTERS, STATUSES, Filters
from store.queries.llm import LLM_CALL_COLUMNS, SERIES_BY, dimensions, llm_calls, summary, timeseries

__all__ = ["EXTRA_FILTERS", "LLM_CALL_COLUMNS", "SERIES_BY", "STATUSES", "Filters", "dimensions", "llm_calls", "summary",
           "timeseries"]
