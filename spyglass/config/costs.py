"""`costs:` settings: the pricing and rollup jobs, user price catalogs and budgets."""

from __future__ import annotations

from pydantic import Field

from pipelines.costs.budgets import Budget
from spyglass.config.section import Section


class CostsSettings(Section):
    interval_seconds: float = Field(30, gt=0, description=(
        "How often the cost job prices newly ingested LLM calls into request_costs."))
    rollup_interval_seconds: float = Field(60, gt=0, description=(
        "How often the five-minute slices whose costs changed, then their hours, are re-aggregated into "
        "cost_hourly."))
    trace_summary_interval_seconds: float = Field(30, gt=0, description=(
        "How often the traces whose calls were priced, or whose costs or root spans changed, are summarised into "
        "trace_summaries (what the trace list reads; newer traces are computed from their calls)."))
    catalog_files: list[str] = Field(default_factory=list, description=(
        "Your price catalog files, layered in order over the shipped one (pipelines/costs/prices.yaml)."))
    deployments: dict[str, str] = Field(default_factory=dict, description=(
        "Azure OpenAI deployment name -> the model it serves (calls carry the deployment name), for pricing."))
    budgets: list[Budget] = Field(default_factory=list, description=(
        "Monthly budgets, each {name, scope (project, team, feature or user), value, monthly, soft, hard, "
        "currency}; soft and hard are fractions of monthly (default 0.8 and 1.0)."))
