"""The Incidents page's tables, tiles, chart and form logic, built from the API's answers: pure and unit-tested.

- The action buttons follow the lifecycle: only the moves the API lists in `allowed_actions`, in lifecycle order.
- Impact compares the incident's window with the same window a week earlier, as the API measured it: tiles with the
  change, and one small chart per number (requests, error rate, p95 latency, cost) so units never share an axis.
- The pinned runbook is shown as written, its checklist items replaced by the incident's own steps (which can be
  ticked): `runbook_parts` splits the body the way the runbook loader numbers steps (a `- [ ]` item at the margin,
  its indented lines; an item inside a fenced block at the margin is an example, not a step).
- A post-mortem edit sends only the fields that changed, so two people editing different fields do not undo each
  other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from client.models.incidents import (
    ActionItem,
    Impact,
    IncidentSummary,
    LinkedAlert,
    Postmortem,
    PostmortemPatch,
    TimelineEntry,
)
from dashboard import format as fmt
from dashboard.figures.alerts import evidence_traces, labels_text

# Lifecycle order, with the words on the buttons.
ACTIONS: dict[str, tuple[str, str]] = {
    "ack": ("Acknowledge", ":material/front_hand:"), "mitigate": ("Mitigate", ":material/healing:"),
    "resolve": ("Resolve", ":material/task_alt:"), "close": ("Close", ":material/lock:"),
    "reopen": ("Reopen", ":material/replay:")}
STATUSES = ("triggered", "acknowledged", "mitigated", "resolved", "closed")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
TEXT_FIELDS: dict[str, str] = {"summary": "Summary", "trigger": "Trigger", "root_cause": "Root cause",
                               "resolution": "Resolution", "went_well": "What went well",
                               "went_badly": "What went badly", "got_lucky": "Where we got lucky"}
REPORT_FORMATS: dict[str, tuple[str, str]] = {"md": ("Markdown", "text/markdown"), "html": ("HTML", "text/html")}
BASELINE, CURRENT = "#9aa5b1", "#d62728"
_CHECKBOX = re.compile(r"^[-*+] \[[ xX]\] ")
_HEADING = re.compile(r"^#{1,4} ")


def incident_rows(incidents: Iterable[IncidentSummary]) -> list[dict[str, str]]:
    return [{"id": i.id, "severity": i.severity, "status": i.status, "title": i.title, "service": i.service or "",
             "detected (UTC)": fmt.timestamp(i.detected_at), "acknowledged (UTC)": fmt.timestamp(i.acknowledged_at),
             "extra cost": fmt.money(i.extra_cost_usd), "commander": i.commander,
             "runbook": f"{i.runbook.id}@{i.runbook.version}" if i.runbook else ""} for i in incidents]


def actions(allowed: Iterable[str]) -> list[tuple[str, str, str]]:
    """(action, label, icon) of the moves the lifecycle allows now, in lifecycle order."""
    permitted = set(allowed)
    return [(action, label, icon) for action, (label, icon) in ACTIONS.items() if action in permitted]


def timeline_rows(timeline: Iterable[TimelineEntry]) -> list[dict[str, str]]:
    return [{"at (UTC)": fmt.timestamp(e.at), "kind": e.kind.replace("_", " "), "by": e.actor, "what": e.text}
            for e in timeline]


def linked_alert_rows(alerts: Iterable[LinkedAlert]) -> list[dict[str, str]]:
    return [{"rule": a.rule, "severity": a.severity, "labels": labels_text(a.labels),
             "fired (UTC)": fmt.timestamp(a.fired_at), "resolved (UTC)": fmt.timestamp(a.resolved_at)} for a in alerts]


def timeline_traces(timeline: Iterable[TimelineEntry]) -> list[str]:
    """The trace ids the timeline's details name (an alert's evidence, a diagnostic's rows), once each."""
    return list(dict.fromkeys(t for e in timeline for t in evidence_traces(e.data)))


def _ratio(value: float | None) -> str:
    return fmt.percent(value)


def impact_tiles(impact: Impact) -> dict[str, tuple[str, str | None]]:
    """Label -> (value in the incident's window, change against a week earlier or None when unknown)."""
    now, then = impact.current, impact.baseline
    tiles: dict[str, tuple[str, str | None]] = {
        "Requests": (fmt.count(now.requests), _signed(now.requests - then.requests, fmt.count)),
        "Error rate": (_ratio(now.error_rate), _points(now.error_rate, then.error_rate)),
        "p95 latency": (fmt.duration_ms(now.p95_latency_ms), _difference(now.p95_latency_ms, then.p95_latency_ms,
                                                                         fmt.duration_ms)),
        "Cost": (fmt.money(now.cost_usd), _signed(now.cost_usd - then.cost_usd, fmt.money)),
        "Extra cost": (fmt.money(impact.extra_cost_usd), None),
        "Pass rate": (_ratio(now.pass_rate), _points(now.pass_rate, then.pass_rate)),
    }
    if impact.error_budget is not None and impact.error_budget.burned is not None:
        tiles["Error budget burned"] = (fmt.percent(impact.error_budget.burned), None)
    return tiles


def _signed(delta: Any, show: Callable[[Any], str]) -> str:
    return f"{'+' if delta >= 0 else '-'}{show(abs(delta))}"


def _difference(now: float | None, then: float | None, show: Callable[[float], str]) -> str | None:
    return None if now is None or then is None else _signed(now - then, show)


def _points(now: float | None, then: float | None) -> str | None:
    """A change of rate in percentage points: 0.02 -> 0.10 is '+8.0 pp'."""
    return None if now is None or then is None else f"{(now - then) * 100:+.1f} pp"


def impact_figure(impact: Impact) -> go.Figure:
    """Four small bar charts, the week before against the incident's window: requests, error rate, p95, cost."""
    now, then = impact.current, impact.baseline
    panels: tuple[tuple[str, Any, Any, Callable[[Any], str]], ...] = (("Requests", then.requests, now.requests, fmt.count),
              ("Error rate", then.error_rate, now.error_rate, fmt.percent),
              ("p95 latency", then.p95_latency_ms, now.p95_latency_ms, fmt.duration_ms),
              ("Cost", then.cost_usd, now.cost_usd, fmt.money))
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[0] for p in panels])
    for col, (_, before, during, show) in enumerate(panels, 1):
        values = [_plotted(before), _plotted(during)]
        fig.add_trace(go.Bar(x=["week before", "incident"], y=values, marker_color=[BASELINE, CURRENT],
                             text=[show(before), show(during)], textposition="auto", showlegend=False,
                             hovertemplate="%{x}: %{text}<extra></extra>"), row=1, col=col)
    fig.update_layout(height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def _plotted(value: float | int | Decimal | None) -> float | None:
    """A bar's height (Plotly needs a float; the exact figure is the bar's text)."""
    return None if value is None else float(value)


def runbook_body(text: str) -> str:
    """The runbook's markdown without its YAML front matter, its headings two levels down (under the page's)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        ends = [n for n, line in enumerate(lines[1:], 1) if line.strip() == "---"]
        lines = lines[ends[0] + 1:] if ends else lines
    fence, shown = False, []
    for line in lines:
        fence = fence != line.lstrip().startswith("```")
        shown.append(f"##{line}" if not fence and _HEADING.match(line) else line)
    return "\n".join(shown).strip("\n")


def step_label(text: str) -> tuple[str, str]:
    """(checkbox label, markdown below it) of a step: its hard-wrapped lines as one label, unless it holds a code
    block or a nested list, which stay below the first line."""
    lines = [line.strip() for line in text.splitlines()]
    if any(line.startswith(("```", "- ", "* ", "+ ")) for line in lines[1:]):
        return lines[0], "\n".join(text.splitlines()[1:])
    return " ".join(line for line in lines if line), ""


def runbook_parts(body: str) -> list[str | int]:
    """The body as markdown chunks (str) and checklist steps (their number, from 1) in reading order: the lines
    of a step (its item, the indented lines and code block below it) are left out, the step's own text replaces
    them. Mirrors runbooks/document.py, which numbers the steps the API returns."""
    parts: list[str | int] = []
    chunk: list[str] = []
    in_step, fence = False, ""  # fence: "step" inside the current item, "body" at the margin, "" none

    def flush() -> None:
        if "".join(chunk).strip():
            parts.append("\n".join(chunk))
        chunk.clear()

    for line in body.splitlines():
        indented = line[:1] in (" ", "\t")
        if line.lstrip().startswith("```"):
            if not fence:
                fence = "step" if in_step and indented else "body"
                in_step = in_step and fence == "step"
            else:
                fence = ""
            if not in_step:
                chunk.append(line)
            continue
        if not fence and _CHECKBOX.match(line):
            flush()
            parts.append(sum(1 for p in parts if isinstance(p, int)) + 1)
            in_step = True
        elif in_step and (fence == "step" or indented and line.strip()):
            continue
        else:
            if line.strip() and not fence:
                in_step = False
            if not in_step or not line.strip():
                chunk.append(line)
    flush()
    return parts


def postmortem_patch(by: str, stored: Postmortem, edited: Mapping[str, str],
                     items: list[ActionItem]) -> PostmortemPatch | None:
    """The fields that differ from the stored post-mortem (None when nothing changed)."""
    changed: dict[str, Any] = {name: value for name, value in edited.items() if getattr(stored, name) != value}
    if items != list(stored.action_items):
        changed["action_items"] = items
    return PostmortemPatch(by=by, **changed) if changed else None


def action_item_rows(items: Iterable[ActionItem]) -> list[dict[str, Any]]:
    return [{"title": i.title, "owner": i.owner, "due": i.due, "done": i.done} for i in items]


def action_items(rows: Iterable[Mapping[str, Any]]) -> list[ActionItem]:
    """The editor's rows as action items; a row without a title is dropped (an empty row the editor added)."""
    found = []
    for row in rows:
        title = str(row.get("title") or "").strip()
        if title:
            due = row.get("due")
            found.append(ActionItem(title=title, owner=str(row.get("owner") or "").strip(),
                                    due=due.date() if isinstance(due, datetime) else due if isinstance(due, date)
                                    else None, done=bool(row.get("done"))))
    return found


def report_file(incident_id: str, report_format: str) -> str:
    return f"{incident_id}-postmortem.{report_format}"


def requests_link(service: str, started: datetime, now: datetime, presets: Iterable[str]) -> str:
    """The Requests page for the incident's service over the smallest look-back preset that reaches its start."""
    hours = (now - started).total_seconds() / 3600
    spans = {p: _preset_hours(p) for p in presets}
    fitting = sorted((h, p) for p, h in spans.items() if h >= hours)
    chosen = fitting[0][1] if fitting else max(spans, key=lambda p: spans[p])
    service_part = f"&service={service}" if service else ""
    return f"requests?range={chosen}{service_part}&sort=cost"


def _preset_hours(preset: str) -> float:
    amount, unit = int(preset[:-1]), preset[-1]
    return amount * {"m": 1 / 60, "h": 1, "d": 24}[unit]
