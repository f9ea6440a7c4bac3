"""`llm_calls` rows carrying versions, and their cost rows, written straight into a store: what the comparison and
the canary job read, without the collector and the cost job in between (those are tested end to end apart)."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from store.params import time_param

TIME = pl.Datetime("ns", "UTC")


def insert_calls(store, rows: list[dict]) -> None:
    """llm_calls rows: each gives span_id, service_version, timestamp and what differs from a 500 ms chat call."""
    base = {"trace_id": "t", "project": "p", "service_name": "chat-api", "provider": "openai",
            "request_model": "gpt-4o", "status": "ok", "duration_ns": 500_000_000, "ttft_ns": None,
            "input_tokens": 100, "output_tokens": 50, "prompt_name": "", "prompt_version": ""}
    schema = {"timestamp": TIME, "span_id": pl.String, "service_version": pl.String, "trace_id": pl.String,
              "project": pl.String, "service_name": pl.String, "provider": pl.String, "request_model": pl.String,
              "status": pl.String, "duration_ns": pl.UInt64, "ttft_ns": pl.UInt64, "input_tokens": pl.Int64,
              "output_tokens": pl.Int64, "prompt_name": pl.String, "prompt_version": pl.String}
    store.insert_arrow("llm_calls", pl.DataFrame([{**base, **r} for r in rows], schema=schema, orient="row").to_arrow())


def insert_cost(store, span_id: str, at: datetime, cost: str | None, service: str = "chat-api") -> None:
    store.command("""
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, provider, model, priced, currency,
    cost_total, catalog_version, priced_at)
VALUES ({at:DateTime64(9, 'UTC')}, 't', {span:String}, 'p', {service:String}, 'openai', 'gpt-4o', {priced:Bool}, 'USD',
    if({priced:Bool}, {cost:Decimal(38, 12)}, NULL), 'v1', now64(3))""",
                  {"at": time_param(at), "span": span_id, "service": service, "priced": cost is not None,
                   "cost": cost or "0"})
