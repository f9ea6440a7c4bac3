"""Summary statistics and histograms of one feature in both windows, stored with each drift result.

The dashboard draws "reference vs current" from these rows alone, without the samples (which
are not kept) and without parsing Evidently's HTML. Pure functions over Polars series.

Numerical bins are quantiles of the pooled values (both windows together), so each bin holds
about the same share of the pooled data and a shift shows as mass moving between bins, even
for heavy-tailed token counts where equal-width bins would put almost everything in the first.
Categorical features keep their most frequent values and fold the rest into "(other)".
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

NUMERICAL_BINS = 12
TOP_CATEGORIES = 12
OTHER = "(other)"


@dataclass(frozen=True)
class FeatureStats:
    """Values counted, mean / median / p95 (numerical only), and a shared histogram of both windows."""

    reference_values: int
    current_values: int
    reference_mean: float | None
    current_mean: float | None
    reference_p50: float | None
    current_p50: float | None
    reference_p95: float | None
    current_p95: float | None
    bins: list[str]
    reference_counts: list[int]
    current_counts: list[int]


def feature_stats(reference: pl.Series, current: pl.Series, kind: str) -> FeatureStats:
    """Statistics of one feature; nulls (a call without that value, e.g. no time to first token) are left out."""
    reference, current = reference.drop_nulls(), current.drop_nulls()
    if kind == "numerical":
        bins, ref_counts, cur_counts = _numerical_histogram(reference.cast(pl.Float64), current.cast(pl.Float64))
        numbers = (_moments(reference.cast(pl.Float64)), _moments(current.cast(pl.Float64)))
    else:
        bins, ref_counts, cur_counts = _categorical_histogram(reference.cast(pl.String), current.cast(pl.String))
        numbers = ((None, None, None), (None, None, None))
    (rm, r50, r95), (cm, c50, c95) = numbers
    return FeatureStats(reference.len(), current.len(), rm, cm, r50, c50, r95, c95, bins, ref_counts, cur_counts)


def _moments(values: pl.Series) -> tuple[float | None, float | None, float | None]:
    if values.is_empty():
        return None, None, None
    mean, median, p95 = values.to_frame("v").select(
        pl.col("v").mean(), pl.col("v").quantile(0.5, "linear").alias("m"), pl.col("v").quantile(0.95, "linear").alias("p"),
    ).row(0)
    return float(mean), float(median), float(p95)


def _numerical_histogram(reference: pl.Series, current: pl.Series) -> tuple[list[str], list[int], list[int]]:
    pooled = pl.concat([reference, current])
    if pooled.is_empty():
        return [], [], []
    quantiles = [pooled.quantile(i / NUMERICAL_BINS, "linear") for i in range(NUMERICAL_BINS + 1)]
    edges = sorted({float(q) for q in quantiles if q is not None})
    if len(edges) == 1:
        return [_number(edges[0])], [reference.len()], [current.len()]
    inner = edges[1:-1]  # bins are [e0, e1), [e1, e2), ..., [e_n-1, e_n]
    labels = [f"{_number(lo)}–{_number(hi)}" for lo, hi in zip(edges, edges[1:], strict=False)]
    return labels, _bin_counts(reference, inner, len(labels)), _bin_counts(current, inner, len(labels))


def _bin_counts(values: pl.Series, inner_edges: list[float], bins: int) -> list[int]:
    if values.is_empty():
        return [0] * bins
    # On sorted values, search_sorted says how many values lie below each inner edge.
    index = values.sort().search_sorted(pl.Series(inner_edges, dtype=pl.Float64), side="left")
    below = [0, *[int(i) for i in index], values.len()]
    return [below[i + 1] - below[i] for i in range(bins)]


def _categorical_histogram(reference: pl.Series, current: pl.Series) -> tuple[list[str], list[int], list[int]]:
    pooled = pl.concat([reference, current]).value_counts(sort=True)
    names = pooled.get_column(pooled.columns[0]).to_list()
    top = names[:TOP_CATEGORIES]
    rest = names[TOP_CATEGORIES:]
    labels = [*top, OTHER] if rest else list(top)
    return labels, _category_counts(reference, top, bool(rest)), _category_counts(current, top, bool(rest))


def _category_counts(values: pl.Series, top: list[str], with_other: bool) -> list[int]:
    counts = dict(values.value_counts().iter_rows())
    listed = [int(counts.get(name, 0)) for name in top]
    return [*listed, values.len() - sum(listed)] if with_other else listed


def _number(value: float) -> str:
    """A bin edge as people read it: 3 significant digits, no exponent for everyday magnitudes."""
    if value == int(value) and abs(value) < 1e7:
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 1e-2 or abs(value) >= 1e7 else f"{value:,.4g}"
