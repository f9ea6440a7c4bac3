"""One drift comparison: Evidently's DataDriftPreset over a reference and a current sample.

Pure: Polars frames in, a `Comparison` out (per-feature results, the dataset verdict, and the
Evidently snapshot for its HTML report); no store, no files, no network.

Which test, and how the verdict is controlled:
- Per feature, the test Evidently itself would choose (its registry's default for the column
  type, the sample size and the number of distinct values): K-S p-values on small samples
  (<= 1000 rows), normed Wasserstein / Jensen-Shannon distances on larger ones. Evidently sizes
  by the reference alone; we size by the smaller window, since a distance's sampling noise is
  set by the smaller sample: 93 current calls against a week of 1,348 gave normed Wasserstein
  distances of 0.10-0.19 on unchanged traffic (the demo's steady groups drifted at 0.1),
  except that Evidently's chi-square and Z tests are replaced by Jensen-Shannon: its
  chi-square is a goodness-of-fit test against the reference's frequencies taken as exact,
  which ignores the reference's own sampling noise and flagged 4 % of unchanged finish-reason
  columns at a 0.8 % threshold. We pass the choice explicitly, so we know each score's direction.
- The dataset is "drifted" when at least `drift_share` of the compared features drift; the
  default share is so low that one drifted feature suffices (a doubling of input tokens must
  not hide behind five steady features). That makes the verdict a family of tests, so the
  p-value thresholds are Bonferroni-corrected: `alpha / k` for k p-value tests, which
  bounds the false-positive rate of the verdict by `alpha` on unchanged traffic (k counts the
  p-value tests only: a distance test on unchanged traffic stays far below its threshold,
  measured in the 20-seed tests and docs/benchmarks.md). Distance tests keep their absolute
  threshold (a distance does not grow with the number of features).
- A feature with fewer than `min_values` non-null values in either window is reported as
  insufficient_data; one with a single value in both windows as constant (nothing can drift).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from pipelines.drift.direction import Direction, direction_of, drifted_by_direction
from pipelines.drift.stats import FeatureStats, feature_stats

if TYPE_CHECKING:
    import pandas as pd
    from evidently.core.report import Snapshot

# Evidently's defaults for few distinct values that compare the current counts with the
# reference's as if those were exact (see the module docstring); Jensen-Shannon replaces them.
_ONE_SAMPLE_TESTS = frozenset({"chisquare", "z"})
# A feature was tested (ok), had too few values in a window, or one value in both (nothing can drift).
FeatureStatus = Literal["ok", "insufficient_data", "constant"]
# A comparison has a verdict (ok) or none: too few calls, or no feature could be tested.
ComparisonStatus = Literal["ok", "insufficient_data"]


@dataclass(frozen=True)
class Feature:
    """A column to compare and its type: numerical or categorical."""

    name: str
    kind: str


@dataclass(frozen=True)
class Thresholds:
    """How strict a comparison is; see the module docstring."""

    alpha: float = 0.05
    distance: float = 0.1
    drift_share: float = 0.01
    min_values: int = 30


@dataclass(frozen=True)
class FeatureResult:
    """One feature's outcome; `drifted` is None unless status is ok."""

    name: str
    kind: str
    status: FeatureStatus
    method: str
    score: float | None
    threshold: float | None
    direction: Direction | Literal[""]  # '' when not tested
    drifted: bool | None
    stats: FeatureStats


@dataclass(frozen=True)
class Comparison:
    """The outcome of one comparison; `drifted`/`share` are None when no feature could be tested."""

    features: list[FeatureResult]
    drifted: bool | None
    share: float | None
    snapshot: Snapshot | None = field(default=None, repr=False)

    @property
    def status(self) -> ComparisonStatus:
        return "ok" if self.drifted is not None else "insufficient_data"

    @property
    def drifted_features(self) -> int:
        return sum(1 for f in self.features if f.drifted)

    @property
    def compared_features(self) -> int:
        return sum(1 for f in self.features if f.status == "ok")


def compare(reference: pl.DataFrame, current: pl.DataFrame, features: list[Feature],
            thresholds: Thresholds = Thresholds()) -> Comparison:
    """Compare `current` with `reference` on `features` (columns present in both frames)."""
    stats = {f.name: feature_stats(reference[f.name], current[f.name], f.kind) for f in features}
    testable = [f for f in features if _testable(stats[f.name], thresholds.min_values)]
    tests = _choose_tests(reference, current, testable, thresholds)
    snapshot = _run_evidently(reference, current, testable, tests, thresholds.drift_share) if testable else None
    scores = _scores(snapshot) if snapshot else {}
    results = []
    for f in features:
        s = stats[f.name]
        if f.name not in tests:
            enough = min(s.reference_values, s.current_values) >= thresholds.min_values
            status: FeatureStatus = "constant" if enough else "insufficient_data"
            results.append(FeatureResult(f.name, f.kind, status, "", None, None, "",
                                         False if status == "constant" else None, s))
            continue
        method, threshold, direction = tests[f.name]
        score, failed = scores[f.name]
        drifted = failed if score is None else drifted_by_direction(score, threshold, direction)
        results.append(FeatureResult(f.name, f.kind, "ok", method, score, threshold, direction, drifted, s))
    compared = [r for r in results if r.status == "ok"]
    if not compared:
        return Comparison(results, None, None, None)
    share = sum(1 for r in compared if r.drifted) / len(compared)
    return Comparison(results, share >= thresholds.drift_share, share, snapshot)


def _testable(stats: FeatureStats, min_values: int) -> bool:
    """Enough values in both windows, and more than one distinct value overall."""
    enough = stats.reference_values >= min_values and stats.current_values >= min_values
    return enough and sum(1 for r, c in zip(stats.reference_counts, stats.current_counts, strict=True) if r or c) > 1


def _choose_tests(reference: pl.DataFrame, current: pl.DataFrame, features: list[Feature],
                  thresholds: Thresholds) -> dict[str, tuple[str, float, Direction]]:
    """Per feature: Evidently's default test for this data, its threshold (Bonferroni for p-values), direction."""
    from evidently.legacy.calculations.stattests.registry import get_stattest  # evidently takes seconds to import
    from evidently.legacy.core import ColumnType

    names = {}
    for f in features:
        column_type = ColumnType.Numerical if f.kind == "numerical" else ColumnType.Categorical
        smaller, larger = sorted((_pandas(reference[f.name]), _pandas(current[f.name])), key=len)
        name = get_stattest(smaller, larger, column_type, None).name
        names[f.name] = "jensenshannon" if name in _ONE_SAMPLE_TESTS else name
    # Bonferroni over the p-value tests: the verdict's false-positive rate stays at most alpha.
    p_value_tests = sum(1 for name in names.values() if direction_of(name) == "p_value")
    return {column: (name, thresholds.alpha / p_value_tests if direction_of(name) == "p_value"
                     else thresholds.distance, direction_of(name)) for column, name in names.items()}


def _pandas(series: pl.Series) -> pd.Series:
    return series.drop_nulls().to_pandas()


def _run_evidently(reference: pl.DataFrame, current: pl.DataFrame, features: list[Feature],
                   tests: dict[str, tuple[str, float, Direction]], drift_share: float) -> Snapshot:
    from evidently import DataDefinition, Dataset, Report  # evidently takes seconds to import
    from evidently.presets import DataDriftPreset

    names = [f.name for f in features]
    definition = DataDefinition(numerical_columns=[f.name for f in features if f.kind == "numerical"],
                                categorical_columns=[f.name for f in features if f.kind == "categorical"])
    preset = DataDriftPreset(columns=names, drift_share=drift_share,
                             per_column_method={name: tests[name][0] for name in names},
                             per_column_threshold={name: tests[name][1] for name in names})
    with warnings.catch_warnings():  # scipy/pandas chatter on small samples; results are what matter
        warnings.simplefilter("ignore")
        return Report([preset], include_tests=True).run(
            Dataset.from_pandas(current.select(names).to_pandas(), data_definition=definition),
            Dataset.from_pandas(reference.select(names).to_pandas(), data_definition=definition))


def _scores(snapshot: Snapshot) -> dict[str, tuple[float | None, bool]]:
    """Per column: Evidently's drift score (None if not finite) and whether its test failed."""
    out = snapshot.dict()
    failed = {}
    for test in out["tests"]:
        params: dict[str, Any] = test.get("metric_config", {}).get("params", {})
        if params.get("type", "").endswith("ValueDrift"):
            failed[params["column"]] = _status(test["status"]) == "FAIL"
    scores = {}
    for metric in out["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            value = metric["value"]
            finite = isinstance(value, (int, float)) and math.isfinite(value)
            scores[config["column"]] = (float(value) if finite else None, failed.get(config["column"], False))
    return scores


def _status(status: Any) -> str:
    return str(getattr(status, "value", status)).rsplit(".", 1)[-1].upper()
