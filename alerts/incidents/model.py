"""An incident and its parts, as every module of incidents works with them (book.py maps them to rows).

Severity: SEV1 (a major outage, declared by a person) to SEV4 (minor). An alert maps to one below
SEV1 (critical -> SEV2, warning -> SEV3, info -> SEV4): a rule sees one signal, not how many customers
are affected or whether the company must say so in public, which is what makes a SEV1; the commander
raises it by editing the incident. The post-mortem fields are plain text (markdown) and a list of
action items, stored as one JSON document that the post-mortem report reads as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from alerts.incidents.impact import Impact
from alerts.incidents.lifecycle import OPEN, Milestones, Status

Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
Source = Literal["alert", "manual"]
ALERT_SEVERITIES = ("critical", "warning", "info")  # most severe first
_FROM_ALERT: dict[str, Severity] = {"critical": "SEV2", "warning": "SEV3", "info": "SEV4"}


def severity_of(alert_severity: str) -> Severity:
    """The incident severity an alert of `alert_severity` opens (an unknown one counts as warning)."""
    return _FROM_ALERT.get(alert_severity, "SEV3")


def at_least(alert_severity: str, minimum: str) -> bool:
    """Whether `alert_severity` is `minimum` or more severe (critical > warning > info)."""
    rank = {name: i for i, name in enumerate(ALERT_SEVERITIES)}
    return rank.get(alert_severity, len(rank)) <= rank[minimum]


@dataclass(frozen=True)
class RunbookPin:
    """The runbook version an incident follows, fixed when it opened: later edits make new versions."""

    id: str
    version: str
    content_sha256: str

    @property
    def reference(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class ActionItem:
    title: str
    owner: str
    due: date | None = None
    done: bool = False


@dataclass(frozen=True)
class Postmortem:
    """The fields a person writes; an empty one is a prompt in the report, never invented text."""

    summary: str = ""
    root_cause: str = ""
    trigger: str = ""
    resolution: str = ""
    action_items: tuple[ActionItem, ...] = ()
    went_well: str = ""
    went_badly: str = ""
    got_lucky: str = ""

    def to_json(self) -> str:
        data = asdict(self)
        data["action_items"] = [{**item, "due": item["due"].isoformat() if item["due"] else None}
                                for item in data["action_items"]]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Postmortem:
        if not text:
            return cls()
        data = json.loads(text)
        items = tuple(ActionItem(i["title"], i["owner"], date.fromisoformat(i["due"]) if i["due"] else None,
                                 i["done"]) for i in data.pop("action_items"))
        return cls(**data, action_items=items)


@dataclass(frozen=True)
class Incident:
    number: int
    title: str
    severity: Severity
    status: Status
    source: Source
    milestones: Milestones
    updated_at: datetime
    commander: str = ""
    opened_by: str = ""
    group_key: str = ""  # the alert group it was opened for ('' when opened by hand)
    labels: Mapping[str, str] = field(default_factory=dict)  # the first alert's labels: the impact's scope
    service: str = ""
    runbook: RunbookPin | None = None
    checked_steps: tuple[int, ...] = ()
    impact: Impact | None = None
    postmortem: Postmortem = field(default_factory=Postmortem)

    @property
    def id(self) -> str:
        return incident_id(self.number)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def incident_id(number: int) -> str:
    return f"INC-{number}"


@dataclass(frozen=True)
class Event:
    """One timeline entry: what happened (`kind`, `payload`), when, and who did it (`actor`; `spyglass` for the
    engine). `episode` links alert events to the alert episode (rule, fingerprint, firing since)."""

    id: str
    incident: str
    at: datetime
    kind: str
    actor: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    episode: str = ""
