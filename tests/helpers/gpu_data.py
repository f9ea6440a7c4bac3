"""GPU samples and LLM calls made by hand, as frames for the pure functions and as rows in the real store."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import polars as pl

from pipelines.gpu.allocation import CALL_COLUMNS

SAMPLE_SCHEMA = {"host_name": pl.String, "gpu_uuid": pl.String, "gpu_model": pl.String, "project": pl.String,
                 "timestamp": pl.Datetime("ns", "UTC"), "utilization": pl.Float64}
CALL_SCHEMA = {"timestamp": pl.Datetime("ns", "UTC"), **{c: pl.String for c in CALL_COLUMNS[1:12]},
               "input_tokens": pl.Int64, "output_tokens": pl.Int64}


def samples(host: str, gpu: str, model: str, start: datetime, count: int, every: timedelta,
            utilization: float | None, project: str = "p") -> list[tuple]:
    """`count` samples of one GPU, `every` apart from `start`."""
    return [(host, gpu, model, project, start + i * every, utilization) for i in range(count)]


def sample_frame(rows: Iterable[tuple]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SAMPLE_SCHEMA, orient="row")


def call(at: datetime, span: str, host: str, input_tokens: int, output_tokens: int, provider: str = "vllm",
         model: str = "llama-3.1-70b", team: str = "search", project: str = "p") -> tuple:
    return (at, "t-" + span, span, project, "chat", "prod", team, "answer", "u1", provider, model, host,
            input_tokens, output_tokens)


def call_frame(rows: Iterable[tuple]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=CALL_SCHEMA, orient="row")


def insert_samples(store, rows: Iterable[tuple]) -> None:
    """Into gpu_samples as the agent would write them."""
    frame = sample_frame(rows).with_columns(pl.lit("agent").alias("source"))
    store.insert_arrow("gpu_samples", frame.to_arrow())


def insert_calls(store, rows: Iterable[tuple]) -> None:
    """Into llm_calls (the request model; `model` is materialised from it)."""
    frame = call_frame(rows).rename({"model": "request_model"}).with_columns(pl.lit(True).alias("usage_reported"))
    store.insert_arrow("llm_calls", frame.to_arrow())
