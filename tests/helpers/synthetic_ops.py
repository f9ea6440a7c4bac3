"""Synthetic operations series shaped like the GPU, drift and no-data detectors' frames, with injected waste,
saturation, memory leaks, drift and silences; and the scenarios that score those detectors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import polars as pl

from detectors import drift, gpu_idle, gpu_load, no_data
from tests.helpers.backtest import Event, Scenario, steps

DAY0 = datetime(2026, 11, 16, tzinfo=timezone.utc)
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
GIB = 1 << 30


def _at(hour: float, day: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour)


def gpu_idle_scenarios() -> list[Scenario]:
    """Two days of host-hours: a batch host idle every night, a busy host with a little idle, a cheap GPU idle
    all the time, and an unpriced host."""
    rng = np.random.default_rng(5)
    rows = []
    for h in range(48):
        at = DAY0 + h * HOUR
        night = at.hour < 6
        for host, gpus, price, idle_share in (("node-batch", 4, 2, 0.95 if night else 0.1),
                                              ("node-busy", 8, 2, 0.15), ("node-small", 1, 0.8, 1.0),
                                              ("node-unpriced", 2, None, 1.0)):
            cost = None if price is None else Decimal(repr(gpus * price))
            share = min(1.0, max(0.0, idle_share + rng.normal(0, 0.03)))
            idle = None if cost is None else (cost * Decimal(repr(round(share, 4)))).quantize(Decimal("0.000001"))
            rows.append((at + HOUR, host, cost, idle, 0 if share > 0.9 else 500, gpus, int(cost is None)))
    events = [Event({"host": "node-batch"}, _at(0, d), _at(6, d)) for d in (0, 1)]
    frame = pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "host": pl.String,
                                       "gpu_cost": pl.Decimal(38, 12), "idle": pl.Decimal(38, 12), "calls": pl.Int64,
                                       "gpu_count": pl.Int64, "unpriced_hours": pl.Int64}, orient="row")
    return [Scenario("a host idle every night (95 %), a busy one idle 15 %, a $0.80/h GPU idle all day, an "
                     "unpriced host", gpu_idle.DETECTOR, gpu_idle.DETECTOR.params({}), frame,
                     steps(DAY0 + HOUR, DAY0 + 48 * HOUR, HOUR), events, timedelta(hours=6))]


def gpu_minutes_frame() -> pl.DataFrame:
    """One day of one-minute GPU means: A saturates 10:00-10:40 and bursts at 15:00 for 5 min, and leaks memory
    14:00-17:00 to 99 % until a restart at 17:30; B runs hot (90 %) with vLLM's 90 % memory; C is saturated but
    sampled every other minute only."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(1440):
        t = DAY0 + i * MINUTE
        hour = i / 60
        util_a = 0.99 if 10 <= hour < 10 + 40 / 60 or 15 <= hour < 15 + 5 / 60 else 0.6 + rng.normal(0, 0.1)
        leak = 0.5 if not 14 <= hour < 17.5 else min(0.99, 0.6 + 0.39 * (hour - 14) / 3)
        rows.append((t, "node-1", "GPU-a", min(1.0, util_a), leak * 80 * GIB, 80 * GIB))
        rows.append((t, "node-1", "GPU-b", min(1.0, 0.9 + rng.normal(0, 0.04)), 0.9 * 80 * GIB, 80 * GIB))
        if i % 2 == 0:
            rows.append((t, "node-2", "GPU-c", 0.98, 10 * GIB, 24 * GIB))
    frame = pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "host": pl.String, "gpu": pl.String,
                                       "utilization": pl.Float64, "memory_used_bytes": pl.Float64,
                                       "memory_total_bytes": pl.Float64}, orient="row")
    return frame.with_columns(pl.lit("p").alias("project"), pl.lit("").alias("mig_instance"),
                              pl.col("memory_used_bytes").cast(pl.Float64))


def gpu_load_scenarios() -> list[Scenario]:
    frame = gpu_minutes_frame()
    judged = steps(DAY0 + 5 * MINUTE, DAY0 + timedelta(days=1), 5 * MINUTE)
    leak_full = _at(14 + 3 * (0.95 - 0.6) / 0.39)  # when used memory passed 95 %
    return [
        Scenario("a GPU saturated 40 min (99 %) and bursting 5 min; one hot at 90 % +/- 4 %; one saturated but "
                 "sampled every other minute", gpu_load.SATURATED, gpu_load.SATURATED.params({}), frame, judged,
                 [Event({"gpu": "GPU-a"}, _at(10), _at(10 + 40 / 60))], timedelta(minutes=15)),
        Scenario("a memory leak to 99 % held 40 min before a restart; a vLLM GPU at 90 % by design",
                 gpu_load.MEMORY_LOW, gpu_load.MEMORY_LOW.params({}), frame, judged,
                 [Event({"gpu": "GPU-a"}, leak_full, _at(17.5))], timedelta(minutes=15)),
    ]


def drift_scenarios() -> list[Scenario]:
    """Two days of hourly comparisons: chat drifts for 6 h, batch for one run; search never has enough data;
    chat's comparisons stop (the job died) on day 2 at 20:00."""
    rows = []
    for h in range(48):
        at = DAY0 + h * HOUR + 2 * MINUTE
        groups = [("chat-api", "gpt-4o", "ok", 10 <= h < 16), ("batch", "llama", "ok", h == 39),
                  ("search", "claude", "insufficient_data", None)]
        for service, model, status, drifted in groups:
            if service == "chat-api" and h >= 44:
                continue
            share = 0.4 if drifted else 0.0
            rows.append((at, f"{service}-{h}", "p", service, model, "answer", status, drifted,
                         None if drifted is None else share, 0.01, int(share * 10), 10, 5000, 800,
                         at - timedelta(days=8), at - timedelta(days=1), at - timedelta(days=1), at,
                         ["input_tokens"] if drifted else None, ["wasserstein"] if drifted else None,
                         [0.3] if drifted else None, [0.1] if drifted else None))
    schema = {"time": pl.Datetime("us", "UTC"), "id": pl.String, **dict.fromkeys(
        ("project", "service", "model", "feature", "status"), pl.String), "drifted": pl.Boolean,
        "drift_share": pl.Float64, "drift_share_threshold": pl.Float64, "drifted_features": pl.Int64,
        "compared_features": pl.Int64, "reference_rows": pl.Int64, "current_rows": pl.Int64,
        **dict.fromkeys(("reference_since", "reference_until", "current_since", "current_until"),
                        pl.Datetime("us", "UTC")),
        "feature_names": pl.List(pl.String), "feature_methods": pl.List(pl.String),
        "feature_scores": pl.List(pl.Float64), "feature_thresholds": pl.List(pl.Float64)}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    events = [Event({"service": "chat-api"}, _at(10), _at(16)), Event({"service": "batch"}, _at(15, 1), _at(16, 1))]
    return [Scenario("a model drifting for 6 h, another for one comparison, one with too little data, comparisons "
                     "stopping", drift.DETECTOR, drift.DETECTOR.params({}), frame,
                     steps(DAY0 + 15 * MINUTE, DAY0 + timedelta(days=2), 15 * MINUTE), events, HOUR)]


def no_data_scenarios() -> list[Scenario]:
    """Three days of minutes, the third judged every 5 minutes: chat-api stops for 40 min, the DCGM host for 2 h,
    and at 20:00 everything stops for 30 min; a batch service calls every 20 minutes or so throughout, and an
    office-hours service only from 08:00 to 18:00."""
    rng = np.random.default_rng(17)
    chat_gap, gpu_gap, outage = (_at(11, 2), 40), (_at(14, 2), 120), (_at(20, 2), 30)

    def silent(t: datetime, *gaps: tuple[datetime, int]) -> bool:
        return any(s <= t < s + m * MINUTE for s, m in gaps)

    rows = []
    for i in range(3 * 1440):
        t = DAY0 + i * MINUTE
        counts = {("service", "chat-api", ""): 0 if silent(t, chat_gap, outage) else int(rng.poisson(20)),
                  ("service", "batch", ""): int(rng.random() < 1 / 20) if not silent(t, outage) else 0,
                  ("service", "office-hours", ""): int(rng.poisson(5)) if 8 <= t.hour < 18 else 0,
                  ("gpu_host", "", "node-1"): 0 if silent(t, gpu_gap, outage) else 4}
        counts[("ingest", "", "")] = sum(counts.values()) + (0 if silent(t, outage) else 50)
        rows += [(t + MINUTE, subject, "p" if subject != "ingest" else "", service, host,
                  "dcgm" if host else "", n) for (subject, service, host), n in counts.items() if n]
    frame = pl.DataFrame(rows, schema={"time": pl.Datetime("us", "UTC"), "subject": pl.String, "project": pl.String,
                                       "service": pl.String, "host": pl.String, "source": pl.String,
                                       "rows": pl.Int64}, orient="row")
    events = [Event({"service": "chat-api"}, s, s + m * MINUTE) for s, m in (chat_gap, outage)]
    events += [Event({"host": "node-1"}, s, s + m * MINUTE) for s, m in (gpu_gap, outage)]
    events.append(Event({"subject": "ingest"}, outage[0], outage[0] + outage[1] * MINUTE))
    return [Scenario("a service silent 40 min, a DCGM host 2 h, the whole ingest 30 min; a service calling every "
                     "~20 min and one quiet every night from 18:00 beside them", no_data.DETECTOR, no_data.DETECTOR.params({}), frame,
                     steps(_at(0, 2) + 5 * MINUTE, _at(24, 2), 5 * MINUTE), events, 5 * MINUTE)]
