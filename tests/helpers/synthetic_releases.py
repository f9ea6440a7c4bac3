"""Synthetic verdict runs shaped like the `change_regression` detector's frame: a release that fails its canary
for three hours, a prompt change that fails one run and then recovers, a marginal and an undecided change; and
the scenario that scores the detector."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl

from detectors import change_regression
from tests.helpers.backtest import Event, Scenario, steps
from tests.helpers.synthetic_ops import DAY0, HOUR, MINUTE

_SCHEMA = {"time": pl.Datetime("us", "UTC"), "change_id": pl.String, "mode": pl.String, "verdict": pl.String,
           "score": pl.Float64, "worse": pl.List(pl.String), "window_start": pl.Datetime("us", "UTC"),
           "window_end": pl.Datetime("us", "UTC"), "report": pl.String, "project": pl.String, "service": pl.String,
           "model": pl.String, "kind": pl.String, "dimension": pl.String, "subject": pl.String,
           "from_value": pl.String, "to_value": pl.String, "changed_at": pl.Datetime("us", "UTC"),
           "source": pl.String, "author": pl.String, "link": pl.String}

# change id -> (service, kind, dimension, to, changed at, verdict at a run time)
_CHANGES = {
    "deploy-1.5.0": ("chat-api", "deploy", "service_version", "1.5.0", DAY0 + 10 * HOUR,
                     lambda t: "fail" if t < DAY0 + 13 * HOUR else "pass"),
    "prompt-v8": ("rag-api", "prompt", "prompt_version", "v8", DAY0 + 30 * HOUR,
                  lambda t: "fail" if t < DAY0 + 30 * HOUR + 15 * MINUTE else "pass"),
    "model-mini": ("chat-api", "model", "model", "gpt-4o-mini", DAY0 + 20 * HOUR, lambda t: "marginal"),
    "deploy-2.0.0": ("batch", "deploy", "service_version", "2.0.0", DAY0 + 5 * HOUR, lambda t: "insufficient_data"),
}


def _report(verdict: str) -> str:
    worse = [{"name": "latency_p95", "baseline": 800.0, "candidate": 1040.0, "outcome": "worse"}]
    return json.dumps({"verdict": verdict, "metrics": worse if verdict == "fail" else []})


def verdict_frame(run_every: timedelta = 10 * MINUTE, analyse_for: timedelta = 6 * HOUR) -> pl.DataFrame:
    """Each change judged every `run_every` for `analyse_for` after it happened."""
    rows = []
    for change_id, (service, kind, dimension, to, at, verdict_at) in _CHANGES.items():
        run = at + run_every
        while run <= at + analyse_for:
            verdict = verdict_at(run)
            rows.append((run, change_id, "canary", verdict, 40.0 if verdict == "fail" else 90.0,
                         ["latency_p95"] if verdict == "fail" else [], run - HOUR, run, _report(verdict), "p",
                         service, "", kind, dimension, "", "previous", to, at, "reported", "ci", ""))
            run += run_every
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row").sort("time")


def change_scenarios() -> list[Scenario]:
    detector = change_regression.DETECTOR
    events = [Event({"change": "deploy-1.5.0"}, DAY0 + 10 * HOUR, DAY0 + 13 * HOUR),
              Event({"change": "prompt-v8"}, DAY0 + 30 * HOUR, DAY0 + 30 * HOUR + 15 * MINUTE)]
    return [Scenario("a release failing its canary for 3 h, a prompt failing one run, a marginal and an undecided "
                     "change", detector, detector.params({}), verdict_frame(),
                     steps(DAY0, DAY0 + timedelta(days=2), 5 * MINUTE), events, 15 * MINUTE)]


def at(hours: float) -> datetime:
    return DAY0 + timedelta(hours=hours)
