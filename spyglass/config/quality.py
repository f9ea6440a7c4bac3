"""`quality:` settings: the heuristics job, the score join, and what passing and positive mean."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class QualitySettings(Section):
    heuristics_interval_seconds: float = Field(60, gt=0, description=(
        "How often the heuristics job scores newly ingested LLM calls into quality_scores."))
    heuristic_latency_ms: dict[str, float] = Field(default_factory=dict, description=(
        "Latency ceiling in ms per model for the slow heuristic; other models use their p99 of the previous day."))
    heuristic_latency_default_ms: float = Field(60_000, gt=0, description=(
        "The slow ceiling (ms) of a model without a setting and without enough calls the previous day for a p99."))
    join_interval_seconds: float = Field(30, gt=0, description=(
        "How often scores that arrived before their LLM call (feedback, evaluations) are joined to it."))
    pass_threshold: float = Field(0.5, description=(
        "An evaluation passes when its value is at least this (or its label is one of pass_labels)."))
    pass_labels: list[str] = Field(default_factory=lambda: ["pass", "passed", "true", "correct", "yes"], description=(
        "An evaluation passes when its label is one of these (case-insensitive)."))
    feedback_positive_labels: list[str] = Field(
        default_factory=lambda: ["positive", "thumbs_up", "up", "good", "like", "yes", "true"], description=(
            "Feedback is positive when its value is above 0 or its label is one of these (case-insensitive)."))
