"""The HTML post-mortem's charts (pure): requests, errors, p95 latency and spend per bucket around the incident,
with its phases shaded (triggered, acknowledged, mitigated) and its detection and resolution marked.

Each chart is Plotly's `to_html` of one figure without Plotly's JavaScript (the page inlines it once) and with a
fixed `div_id`: without one Plotly names the div with a random UUID, and the same incident would give other
bytes on every request. The figure holds only numbers, times and fixed words, never text people typed.
Spend is drawn from the exact Decimal converted to a float (a chart needs no more), and its hover text is the
exact amount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import plotly.graph_objects as go
import plotly.io as pio

from alerts.incidents.lifecycle import Milestones
from alerts.incidents.postmortem import units as u
from alerts.incidents.postmortem.series import Bucket, Series

PHASE_COLOURS = {"triggered": "rgba(214, 39, 40, 0.14)", "acknowledged": "rgba(255, 127, 14, 0.16)",
                 "mitigated": "rgba(31, 119, 180, 0.12)"}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud", "select2d",
                                                                              "lasso2d"]}
HEIGHT = 260


@dataclass(frozen=True)
class Chart:
    div_id: str
    title: str
    html: str


@dataclass(frozen=True)
class _Measure:
    name: str
    title: str
    axis: str
    value: Callable[[Bucket], float | None]
    hover: Callable[[Bucket], str]
    bars: bool


MEASURES = (
    _Measure("requests", "Requests", "requests", lambda b: b.requests, lambda b: u.count(b.requests, "request"),
             True),
    _Measure("errors", "Errors", "errors", lambda b: b.errors, lambda b: u.count(b.errors, "error"), True),
    _Measure("latency", "p95 latency", "ms", lambda b: b.p95_ms, lambda b: u.milliseconds(b.p95_ms), False),
    _Measure("cost", "Spend", "US dollars", lambda b: float(b.cost_usd), lambda b: u.dollars(b.cost_usd), True),
)


def _x(at: datetime) -> str:
    return u.utc(at)


def phases(m: Milestones, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """(phase, from, to) for each status the incident was in before its resolution, up to `end`."""
    marks = [("triggered", m.started_at), ("acknowledged", m.acknowledged_at), ("mitigated", m.mitigated_at)]
    entered = [(name, at) for name, at in marks if at is not None]
    stop = m.resolved_at or end
    spans = []
    for k, (name, at) in enumerate(entered):
        until = entered[k + 1][1] if k + 1 < len(entered) else stop
        if until > at:
            spans.append((name, at, until))
    return spans


def _figure(measure: _Measure, series: Series, m: Milestones, end: datetime) -> go.Figure:
    buckets = series.buckets
    x = [_x(b.start) for b in buckets]
    y = [measure.value(b) for b in buckets]
    hover = [measure.hover(b) for b in buckets]
    trace = (go.Bar(x=x, y=y, customdata=hover, marker={"color": "#4c72b0"}, hovertemplate="%{x}<br>%{customdata}"
                    "<extra></extra>") if measure.bars else
             go.Scatter(x=x, y=y, customdata=hover, mode="lines+markers", connectgaps=False,
                        line={"color": "#4c72b0"}, hovertemplate="%{x}<br>%{customdata}<extra></extra>"))
    shapes: list[dict[str, object]] = [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": _x(start), "x1": _x(stop), "y0": 0, "y1": 1,
         "fillcolor": PHASE_COLOURS[name], "line": {"width": 0}, "layer": "below"}
        for name, start, stop in phases(m, end)]
    notes: list[dict[str, object]] = [
        {"x": _x(start), "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom", "xanchor": "left",
         "text": name, "showarrow": False, "font": {"size": 10, "color": "#555"}}
        for name, start, _ in phases(m, end)]
    for name, at in (("detected", m.detected_at), ("resolved", m.resolved_at)):
        if at is not None:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": _x(at), "x1": _x(at), "y0": 0,
                           "y1": 1, "line": {"color": "#333", "width": 1, "dash": "dot"}})
            notes.append({"x": _x(at), "y": 0.97, "xref": "x", "yref": "paper", "yanchor": "top",
                          "xanchor": "left", "text": name, "textangle": -90, "showarrow": False,
                          "font": {"size": 10, "color": "#333"}})
    figure = go.Figure(trace)
    figure.update_layout(
        title={"text": f"{measure.title} per {u.duration(timedelta(seconds=series.window.step_seconds))}", "x": 0.01},
        height=HEIGHT, margin={"l": 64, "r": 16, "t": 44, "b": 40}, template="plotly_white", showlegend=False,
        bargap=0.1, shapes=shapes, annotations=notes,
        xaxis={"range": [_x(series.window.since), _x(series.window.until)], "type": "date", "title": "UTC"},
        yaxis={"title": measure.axis, "rangemode": "tozero"})
    return figure


def charts(series: Series, m: Milestones, end: datetime) -> list[Chart]:
    """One chart per measure; `end` closes the last phase of an incident that is not resolved."""
    return [Chart(f"postmortem-chart-{measure.name}", measure.title,
                  pio.to_html(_figure(measure, series, m, end), config=CONFIG, full_html=False,
                              include_plotlyjs=False, div_id=f"postmortem-chart-{measure.name}"))
            for measure in MEASURES]
