"""The flat setting names of the previous release, kept working for this one.

`cost_interval_seconds` in spyglass.yaml, `SPYGLASS_COST_INTERVAL_SECONDS` and the old
`--decode-workers` flag still set their nested setting, with a deprecation warning that names
the new key. Delete this module (and its uses in `loader.py` and `flags.py`) in the next release.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spyglass.config.sources import Layer, put
from spyglass.config.walk import Key, Setting

# Old flat name -> the nested setting it became. Top-level settings kept their names.
RENAMED: dict[str, Key] = {
    **{name: ("collector", name) for name in ("max_body_bytes", "decode_workers", "batch_max_rows",
                                              "batch_linger_ms", "queue_max_rows", "retry_after_seconds")},
    "content_capture_projects": ("content", "capture_projects"),
    "redaction_disabled": ("content", "redaction_disabled"),
    "redaction_patterns": ("content", "redaction_patterns"),
    "self_metrics_interval_seconds": ("telemetry", "metrics_interval_seconds"),
    "compaction_interval_seconds": ("maintenance", "compaction_interval_seconds"),
    "cost_interval_seconds": ("costs", "interval_seconds"),
    "cost_rollup_interval_seconds": ("costs", "rollup_interval_seconds"),
    "price_catalog_files": ("costs", "catalog_files"),
    "budgets": ("costs", "budgets"),
    "dcgm_targets": ("gpu", "dcgm_targets"),
    "dcgm_scrape_interval_seconds": ("gpu", "dcgm_scrape_interval_seconds"),
    **{f"gpu_{name}": ("gpu", name) for name in (
        "cost_interval_seconds", "cost_lookback_hours", "sample_max_gap_seconds", "model_prices", "host_prices",
        "host_map", "token_weights", "self_hosted_providers", "idle_max_utilization", "idle_min_seconds")},
    **{name: ("quality", name) for name in ("heuristics_interval_seconds", "heuristic_latency_ms",
                                            "heuristic_latency_default_ms", "feedback_positive_labels")},
    "quality_join_interval_seconds": ("quality", "join_interval_seconds"),
    "quality_pass_threshold": ("quality", "pass_threshold"),
    "quality_pass_labels": ("quality", "pass_labels"),
    **{f"drift_{name}": ("drift", name) for name in (
        "interval_seconds", "current_window", "reference_window", "reference_since", "reference_until",
        "min_rows", "sample_rows", "sample_seed", "alpha", "distance_threshold", "share", "reports_dir",
        "report_retention_days")},
}

# The renamed settings that had a command-line flag (the other old flags kept their names).
FLAGS = ("decode_workers",)


def aliases(known: Mapping[Key, Setting]) -> dict[Key, Setting]:
    """The old names, read (from the environment, from a flag) like the settings they became."""
    return {(old,): known[new] for old, new in RENAMED.items()}


def take(layers: list[Layer]) -> list[tuple[Layer, str, Any]]:
    """Remove the old names from each layer: (layer, old name, value), highest layer first."""
    return [(layer, old, layer.values.pop(old)) for layer in layers for old in list(layer.values) if old in RENAMED]


def apply(uses: list[tuple[Layer, str, Any]], values: dict[str, Any], origins: dict[Key, str]) -> list[str]:
    """Put each old name's value on its new key, unless the new key is given (anywhere: the new key wins) or a
    higher layer's old name set it; returns one warning per use."""
    warnings, by_old_name = [], set()
    for layer, old, value in uses:
        new, where = RENAMED[old], layer.origin((old,))
        if new in origins and new not in by_old_name:
            warnings.append(f"{where} is deprecated and ignored: {origins[new]} is also given, and the new key wins")
            continue
        if new not in origins:
            put(values, new, value)
            origins[new] = where
            by_old_name.add(new)
        warnings.append(f"{where} is deprecated (the old name goes in the next release): use {layer.spell(new)}")
    return warnings
