"""Names and column sets of tables that queries and jobs need.

Migrations are frozen once released, so queries must not import their constants (a later
migration may rename or re-key a table; the query follows the schema as it is now, which
this module says). A test holds these equal to the tables the migrations create.
"""

from __future__ import annotations

# The GPU sample rollups (per GPU x source x minute / hour).
GPU_MINUTES = "gpu_samples_1m"
GPU_HOURS = "gpu_samples_1h"

# The spend rollup per UTC day (migration 27); its time column is `day`, the day's start.
COST_DAYS = "cost_daily"
# The dimensions of `cost_hourly`, `cost_slices` and `cost_daily`, in their sort-key order.
COST_DIMENSIONS = ("project", "service_name", "environment", "team", "feature", "provider", "model")

# The call rollups (per dimension combination x minute / hour / day), and their dimensions in sort-key order.
CALL_MINUTES = "llm_calls_1m"
CALL_HOURS = "llm_calls_1h"
CALL_DAYS = "llm_calls_1d"
CALL_DIMENSIONS = ("project", "service_name", "model", "environment", "service_version", "request_model",
                   "response_model", "provider", "operation", "team", "feature", "status", "error_type")

# The operation rollups (agent, tool and retrieval spans per dimension combination x minute / hour / day; migrations 26, 27).
OPERATION_MINUTES = "operations_1m"
OPERATION_HOURS = "operations_1h"
OPERATION_DAYS = "operations_1d"
OPERATION_DIMENSIONS = ("project", "service_name", "operation", "name")
