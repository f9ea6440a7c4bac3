"""The settings `spyglass demo` runs with: the user's, over the demo's own defaults, over Spyglass's.

The shipped alert rules are used unchanged; what the demo changes is how often the jobs run and the two
windows that are settings rather than rule parameters, so that each scheduled fault (demo/faults.py) opens
its alert within minutes of the start instead of at the next hourly run:
- the pipelines (costs, rollup, GPU cost) and the alert evaluation run every few seconds;
- the drift job compares the last 6 hours (not 24) every two minutes, with 50 calls a side at least (the
  fleet is small at night); the canary job judges every 30 s over the canary's 3 hours;
- alerts of severity warning open incidents (default: critical only), so the cost spike, the latency
  regression, the idle GPU node, the drift and the failed canary each open one with its runbook;
- the DCGM stand-in's /metrics is scraped every 5 s (`gpu.dcgm_targets`).
A value the user set (flag, environment, spyglass.yaml) always wins: a demo default applies only to a
setting still at Spyglass's own default.
"""

from __future__ import annotations

from typing import Any

from spyglass import config

DEMO_DEFAULTS: dict[str, dict[str, Any]] = {
    "costs": {"interval_seconds": 5, "rollup_interval_seconds": 5},
    "gpu": {"cost_interval_seconds": 15, "dcgm_scrape_interval_seconds": 5},
    "drift": {"interval_seconds": 120, "current_window": "6h", "min_rows": 50},
    "alerts": {"evaluation_interval_seconds": 10, "incident_min_severity": "warning"},
    "releases": {"detect_interval_seconds": 10, "detect_delay_seconds": 5, "canary_interval_seconds": 30,
                 "canary_window": "3h"},
}


def demo_settings(config_file: str | None, overrides: dict[str, Any], dcgm_url: str | None) -> config.Settings:
    """The effective settings of a demo: `overrides` (the command line) and the user's layers, then the demo's
    defaults for whatever they leave at Spyglass's default; the DCGM stand-in is scraped unless targets are set."""
    chosen = config.load(config_file, **overrides)
    wanted = {section: dict(values) for section, values in DEMO_DEFAULTS.items()}
    if dcgm_url:
        wanted["gpu"]["dcgm_targets"] = [dcgm_url]
    demo: dict[str, dict[str, Any]] = {}
    for section, values in wanted.items():
        current = getattr(chosen, section)
        fields = type(current).model_fields
        for name, value in values.items():
            if getattr(current, name) == fields[name].get_default(call_default_factory=True):
                demo.setdefault(section, {})[name] = value
    merged = {**overrides}
    for section, values in demo.items():
        merged[section] = {**values, **{k: v for k, v in (overrides.get(section) or {}).items() if v is not None}}
    return config.load(config_file, **merged)
