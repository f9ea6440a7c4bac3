"""Per-call frames of one version, as releases.compare reads them, drawn from chosen distributions.

Latency is log-normal around 800 ms, time to first token around 200 ms; `tail` multiplies the slowest tenth of the calls (a tail that grows while
the middle stays); tokens are uniform; the cost of a call is its tokens at `price` times $1 / $2 per million
input / output tokens, exact.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import polars as pl

from releases.metrics import FRAME_SCHEMA


def calls_frame(rng: np.random.Generator, n: int, tail: float = 1.0, price: str = "1", error_rate: float = 0.02,
                pass_rate: float | None = None, ttft: bool = True) -> pl.DataFrame:
    latency = rng.lognormal(np.log(800), 0.3, n)
    first_token = rng.lognormal(np.log(200), 0.3, n)
    if tail != 1.0:
        latency = np.where(latency >= np.quantile(latency, 0.9), latency * tail, latency)
    input_tokens = rng.integers(100, 2000, n)
    output_tokens = rng.integers(50, 500, n)
    micro_usd = (input_tokens + 2 * output_tokens).astype(np.int64)  # millionths of a dollar at price 1
    cost = (pl.Series(micro_usd).cast(pl.Decimal(38, 12)) * Decimal(price) / Decimal(1_000_000)).cast(
        pl.Decimal(38, 12))
    evals = np.ones(n, dtype=np.uint32) if pass_rate is not None else np.zeros(n, dtype=np.uint32)
    passed = (rng.random(n) < (pass_rate or 0)).astype(np.uint32) * evals
    return pl.DataFrame({
        "latency_ms": latency, "ttft_ms": first_token if ttft else np.full(n, None), "error": rng.random(n) < error_rate,
        "input_tokens": input_tokens, "output_tokens": output_tokens, "cost": cost, "evals": evals,
        "evals_passed": passed, "feedback": np.zeros(n, dtype=np.uint32),
        "feedback_positive": np.zeros(n, dtype=np.uint32)}).cast(FRAME_SCHEMA)  # type: ignore[arg-type]
