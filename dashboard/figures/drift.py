"""Drift figures and tables from the drift API's models, as pure functions (no Streamlit, no HTTP).

- The heat table (feature x comparison time) colours each cell by `severity`, the API's
  direction-safe score (threshold / p-value for p-value tests, distance / threshold for
  distance tests; 1 at the threshold), on a log scale centred on 1: green below, red above.
  A raw score is never coloured: a p-value of 0.01 and a distance of 0.01 mean opposite things.
  "insufficient data" and "constant" cells are grey and say so in their text.
- The distribution chart draws the stored histograms of both windows as shares, so windows of
  different sizes compare.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from client.models.drift import DriftFeature, DriftResult
from dashboard.figures.common import parse_time
from dashboard.format import MISSING, number

INSUFFICIENT = "insufficient data"
_COLORSCALE = [[0.0, "#1a9850"], [0.45, "#d9ef8b"], [0.5, "#fee08b"], [0.75, "#f46d43"], [1.0, "#a50026"]]
_SPAN = 1.0  # log10 of severity shown from -1 (a tenth of the threshold) to +1 (ten times)
_HEIGHT = 320


def group_key(result: DriftResult) -> str:
    """How a comparison's group reads in a picker: service / model / feature."""
    feature = result.feature or "(no feature)"
    return f"{result.service_name} / {result.model or '(unknown)'} / {feature}"


def groups(results: Sequence[DriftResult]) -> list[str]:
    """The groups in the results: drifted ones first (by their newest comparison), then by name."""
    newest: dict[str, DriftResult] = {}
    for result in results:
        key = group_key(result)
        if key not in newest or result.computed_at > newest[key].computed_at:
            newest[key] = result
    return sorted(newest, key=lambda key: (newest[key].drifted is not True, key))


def verdict(result: DriftResult) -> str:
    """'drifted', 'no drift' or 'insufficient data': never 'no drift' without a test."""
    if result.status != "ok" or result.drifted is None:
        return INSUFFICIENT
    return "drifted" if result.drifted else "no drift"


def heat_table(results: Sequence[DriftResult]) -> go.Figure:
    """Features (rows) by comparison time (columns) of one group, coloured by severity."""
    ordered = sorted(results, key=lambda r: r.computed_at)
    names = sorted({f.name for r in ordered for f in r.features}) or ["(all features)"]
    # Category labels, one per comparison: runs are hourly, and a date axis would space them by
    # time and label them by the axis' own ticks instead of by run.
    times = [f"{parse_time(r.computed_at):%m-%d %H:%M:%S}" for r in ordered]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for name in names:
        z_row, text_row = [], []
        for result in ordered:
            cell = next((f for f in result.features if f.name == name), None)
            z_row.append(_log_severity(cell))
            text_row.append(_cell_text(result, cell))
        z.append(z_row)
        text.append(text_row)
    # Cells without a test (insufficient data, constant) are a grey trace of their own: Plotly
    # draws no text on a null cell, and these must say what they are.
    untested = [[0.0 if value is None else None for value in row] for row in z]
    figure = go.Figure([
        go.Heatmap(x=times, y=names, z=untested, text=text, texttemplate="%{text}", showscale=False,
                   colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]], xgap=2, ygap=2,
                   hovertemplate="%{y} at %{x}<br>%{text}<extra></extra>"),
        go.Heatmap(x=times, y=names, z=z, text=text, texttemplate="%{text}", zmin=-_SPAN, zmax=_SPAN, zmid=0,
                   colorscale=_COLORSCALE, xgap=2, ygap=2,
                   hovertemplate="%{y} at %{x}<br>%{text}<extra></extra>",
                   colorbar={"title": "severity", "tickvals": [-1, 0, 1], "ticktext": ["0.1x", "threshold", "10x"]}),
    ])
    figure.update_layout(height=max(_HEIGHT, 40 * len(names) + 120), margin={"l": 10, "r": 10, "t": 30, "b": 10})
    figure.update_xaxes(title_text="comparison time (UTC)", type="category")
    return figure


def feature_rows(result: DriftResult) -> list[dict[str, Any]]:
    """One comparison's features as table rows, most severe first: the test, its score read in its own direction,
    the verdict. A feature without a test (insufficient data, constant) has no score: its cells read "–"."""
    ranked = sorted(result.features, key=lambda f: (-(f.severity or 0), f.name))
    return [{"feature": f.name, "verdict": _feature_verdict(f), "test": f.method or MISSING,
             "score": number(f.score, ".4g"), "threshold": number(f.threshold, ".4g"),
             "drift when": _drift_when(f.direction), "severity": number(f.severity, ".2f"),
             "reference n": f.reference_values, "current n": f.current_values} for f in ranked]


def distribution(feature: DriftFeature) -> go.Figure:
    """Reference vs current share of values per bin (quantile bins, or categories), side by side."""
    figure = go.Figure()
    for window, counts, color in (("reference", feature.reference_counts, "#9ecae1"),
                                  ("current", feature.current_counts, "#08519c")):
        total = sum(counts) or 1
        figure.add_bar(x=feature.bins, y=[c / total for c in counts], name=window, marker_color=color,
                       customdata=counts, hovertemplate=f"{window}: %{{y:.1%}} (%{{customdata:,}})<extra></extra>")
    figure.update_layout(barmode="group", height=_HEIGHT, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_xaxes(title_text=feature.name, type="category")
    figure.update_yaxes(title_text="share of calls", tickformat=".0%", rangemode="tozero")
    return figure


def _log_severity(cell: DriftFeature | None) -> float | None:
    if cell is None or cell.severity is None:
        return None
    return max(-_SPAN, min(_SPAN, math.log10(max(cell.severity, 1e-9))))


def _cell_text(result: DriftResult, cell: DriftFeature | None) -> str:
    if result.status != "ok" or cell is None or cell.status == "insufficient_data":
        return INSUFFICIENT
    if cell.status == "constant":
        return "constant"
    return "drifted" if cell.drifted else "ok"


def _feature_verdict(feature: DriftFeature) -> str:
    if feature.status == "insufficient_data":
        return INSUFFICIENT
    if feature.status == "constant":
        return "constant"
    return "drifted" if feature.drifted else "no drift"


def _drift_when(direction: str) -> str:
    return {"p_value": "p-value ≤ threshold", "distance": "distance ≥ threshold"}.get(direction, MISSING)
