"""The Alerts page's tables and chart, built from the API's answers: pure, so they are unit-tested without a browser.

- An alert reads as its rule and its labels (`service=chat-api`), since when it is pending or firing, and what mutes
  it; its evidence may name traces (any key with "trace" in its name holding 32-hex ids), which become links to the
  Requests page.
- The history is a timeline: one row per alert instance, a bar per pending or firing episode. An instance already
  pending or firing when the range starts gets its bar from the range's start (its first event in the range
  says where it came from).
- A silence made from an alert matches all of its labels exactly (Alertmanager's rule), quoted as the API parses.
- Deliveries read per receiver: how many notifications are delivered, pending and dead, and the last error.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from client.models.alerts import AlertEvent, AlertHistory, AlertInstance, Rules, SilenceInfo
from client.models.notifications import NotificationInfo
from dashboard import format as fmt
from dashboard.figures.common import parse_time

STATE_COLORS = {"firing": "#d62728", "pending": "#ff9f1c"}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_HIDDEN_LABELS = ("alertname",)


def labels_text(labels: Mapping[str, str], hide: Iterable[str] = _HIDDEN_LABELS) -> str:
    """`project=default, service=chat-api`: the labels that tell instances apart, sorted by name."""
    hidden = set(hide)
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in hidden) or "(no labels)"


def since(alert: AlertInstance) -> str | None:
    """When the alert's current state began: firing since, else pending since."""
    return alert.firing_since if alert.status == "firing" else alert.active_since


def title(alert: AlertInstance) -> str:
    """The line an alert is known by on the page: `firing · critical · agent-spend · service=support-agent`."""
    return f"{alert.status} · {alert.severity} · {alert.rule} · {labels_text(alert.labels)}"


def ordered(alerts: Iterable[AlertInstance]) -> list[AlertInstance]:
    """Firing before pending, then the most severe, then the oldest: the order of what to look at first."""
    return sorted(alerts, key=lambda a: (a.status != "firing", SEVERITY_ORDER.get(a.severity, 9), since(a) or "",
                                         a.rule, a.fingerprint))


def alert_rows(alerts: Iterable[AlertInstance]) -> list[dict[str, str]]:
    return [{"status": a.status, "severity": a.severity, "rule": a.rule, "labels": labels_text(a.labels),
             "value": fmt.quantity(a.value), "since (UTC)": fmt.timestamp(since(a)),
             "summary": a.annotations.get("summary", ""), "muted": muted(a)} for a in ordered(alerts)]


def muted(alert: AlertInstance) -> str:
    """'silenced', 'inhibited', both, or '' (the alert notifies)."""
    return " and ".join(word for word, by in (("silenced", alert.silenced_by), ("inhibited", alert.inhibited_by))
                        if by)


def evidence_traces(evidence: Any, key: str = "") -> list[str]:
    """Every trace id the evidence names, in order, once: 32-hex strings under a key containing "trace"."""
    found: list[str] = []
    if isinstance(evidence, Mapping):
        for name, value in evidence.items():
            found.extend(evidence_traces(value, str(name)))
    elif isinstance(evidence, list | tuple):
        for item in evidence:
            found.extend(evidence_traces(item, key))
    elif isinstance(evidence, str) and "trace" in key.lower() and _TRACE_ID.match(evidence):
        found.append(evidence)
    return list(dict.fromkeys(found))


def trace_link(trace_id: str) -> str:
    """A Markdown link opening the trace on the Requests page."""
    return f"[{trace_id}](requests?trace={trace_id})"


def silence_matchers(labels: Mapping[str, str]) -> list[str]:
    """Matchers selecting exactly this label set: `name="value"` per label, with `\\` and `"` escaped."""
    return [f'{name}="{_quoted(value)}"' for name, value in sorted(labels.items())]


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def typed_matchers(text: str) -> list[str]:
    """The matchers typed in a form, one per line or comma-separated outside quotes; blank ones dropped."""
    return [m.strip() for m in re.findall(r'(?:[^,\n"]|"(?:[^"\\]|\\.)*")+', text) if m.strip()]


def history_rows(history: AlertHistory) -> list[dict[str, str]]:
    return [{"at (UTC)": fmt.timestamp(e.at), "rule": e.rule, "labels": labels_text(e.labels),
             "severity": e.severity, "from": e.from_status, "to": e.to_status, "value": fmt.quantity(e.value)}
            for e in history.events]


def episodes(history: AlertHistory) -> list[tuple[str, str, datetime, datetime]]:
    """(instance name, state, start, end) of every pending or firing stretch in the range, oldest first."""
    by_instance: dict[str, list[AlertEvent]] = defaultdict(list)
    for event in history.events:
        by_instance[event.fingerprint].append(event)
    start, end = parse_time(history.since), parse_time(history.until)
    found = []
    for events in by_instance.values():
        events.sort(key=lambda e: e.at)
        name = f"{events[0].rule} · {labels_text(events[0].labels)}"
        state, began = events[0].from_status, start
        for event in events:
            at = parse_time(event.at)
            if state in STATE_COLORS and at > began:
                found.append((name, state, began, at))
            state, began = event.to_status, at
        if state in STATE_COLORS and end > began:
            found.append((name, state, began, end))
    return sorted(found, key=lambda e: (e[2], e[0]))


def history_figure(history: AlertHistory) -> go.Figure:
    """A bar per pending (amber) or firing (red) stretch, one row per alert instance, over the range (UTC)."""
    fig = go.Figure()
    stretches = episodes(history)
    for state, color in STATE_COLORS.items():
        mine = [e for e in stretches if e[1] == state]
        if not mine:
            continue
        fig.add_trace(go.Bar(
            name=state, orientation="h", marker_color=color, y=[e[0] for e in mine], base=[e[2] for e in mine],
            x=[(e[3] - e[2]).total_seconds() * 1000 for e in mine],
            customdata=[[f"{e[2]:%Y-%m-%d %H:%M:%S}", f"{e[3]:%Y-%m-%d %H:%M:%S}"] for e in mine],
            hovertemplate="%{y}<br>" + state + " %{customdata[0]} → %{customdata[1]} UTC<extra></extra>"))
    rows = len({e[0] for e in stretches})
    fig.update_layout(barmode="overlay", height=max(160, 60 + 28 * rows), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      legend={"orientation": "h", "y": -0.25}, yaxis={"autorange": "reversed"},
                      xaxis={"type": "date", "title": "UTC",
                             "range": [parse_time(history.since), parse_time(history.until)]})
    return fig


def silence_rows(silences: Iterable[SilenceInfo]) -> list[dict[str, str]]:
    return [{"state": s.state, "matchers": ", ".join(s.matchers), "starts (UTC)": fmt.timestamp(s.starts_at),
             "ends (UTC)": fmt.timestamp(s.expired_at or s.ends_at), "by": s.created_by, "comment": s.comment,
             "id": s.id} for s in silences]


def rule_rows(rules: Rules) -> list[dict[str, str]]:
    """The rules in force and how their last evaluation went."""
    return [{"rule": r.name, "severity": r.severity, "kind": r.kind, "for": fmt.duration_ms(r.for_seconds * 1000) if r.for_seconds else "at once",
             "runbook": r.runbook or "",
             "last evaluated (UTC)": fmt.timestamp(r.last_evaluation.evaluated_at if r.last_evaluation else None),
             "error": r.last_evaluation.error if r.last_evaluation else ""} for r in rules.rules]


def receiver_rows(notifications: Iterable[NotificationInfo]) -> list[dict[str, str]]:
    """Per receiver: notifications delivered, pending and dead, the last delivery, and the newest error."""
    by_receiver: dict[str, list[NotificationInfo]] = defaultdict(list)
    for n in notifications:
        by_receiver[n.receiver].append(n)
    rows = []
    for receiver, mine in sorted(by_receiver.items()):
        states = Counter(n.state for n in mine)
        delivered = max((n.delivered_at for n in mine if n.delivered_at), default=None)
        errors = sorted((n for n in mine if n.last_error), key=lambda n: n.updated_at, reverse=True)
        rows.append({"receiver": receiver, "delivered": fmt.count(states["delivered"]),
                     "pending": fmt.count(states["pending"]), "dead": fmt.count(states["dead"]),
                     "last delivered (UTC)": fmt.timestamp(delivered),
                     "last error": errors[0].last_error if errors else ""})
    return rows


def notification_rows(notifications: Iterable[NotificationInfo]) -> list[dict[str, str]]:
    return [{"created (UTC)": fmt.timestamp(n.created_at), "receiver": n.receiver, "state": n.state,
             "status": n.status, "group": labels_text(n.group_labels, hide=()), "alerts": fmt.count(n.alerts),
             "attempts": fmt.count(n.attempts), "last error": n.last_error, "id": n.id} for n in notifications]


def tiles(alerts: Iterable[AlertInstance], silences: Iterable[SilenceInfo],
          notifications: Iterable[NotificationInfo]) -> dict[str, str]:
    """The counts at the top of the page."""
    states = Counter(a.status for a in alerts)
    return {"Firing": fmt.count(states["firing"]), "Pending": fmt.count(states["pending"]),
            "Active silences": fmt.count(sum(1 for s in silences if s.state == "active")),
            "Dead letters": fmt.count(sum(1 for n in notifications if n.state == "dead"))}
