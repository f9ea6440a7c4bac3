"""Reported changes: what a person or a CI/CD pipeline says changed (POST /api/v1/changes), recorded once.

The dimension follows the kind (releases/change.py `dimension_of`), a model change is of its new model unless
the report names one, and the id is the reporter's (a pipeline's run id: a retry records nothing new) or else
a hash of what changed and when, like a detected change's. An id already recorded keeps its first change: the
report answers with it and writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from releases.change import Change, change_id, dimension_of
from store.base import Store
from store.errors import BadInput
from store.queries import changes as q

# A report may be dated this far ahead of the service's clock (a CI runner's skew); further is a mistake,
# most often a local time written with a Z.
FUTURE_SLACK = timedelta(minutes=5)


def reported_change(kind: str, service: str, to_value: str, at_ns: int, *, project: str = "default",
                    from_value: str = "", model: str = "", subject: str = "", author: str = "",
                    description: str = "", link: str = "", id: str | None = None) -> Change:
    """The change a report describes; BadInput when a required value is blank."""
    service, to_value, project = service.strip(), to_value.strip(), project.strip()
    for name, value in (("service", service), ("to", to_value), ("project", project)):
        if not value:
            raise BadInput(f"{name}: must not be blank")
    dimension = dimension_of(kind)
    model = model.strip() or (to_value if kind == "model" else "")
    subject = subject.strip()
    return Change(id=id or change_id(kind, project, service, dimension, subject, to_value, at_ns), at_ns=at_ns,
                  kind=kind, project=project, service=service, model=model, dimension=dimension, subject=subject,
                  from_value=from_value.strip(), to_value=to_value, source="reported", author=author.strip(),
                  description=description.strip(), link=link.strip())


def check_time(at: datetime, now: datetime) -> None:
    """BadInput for a change dated more than `FUTURE_SLACK` ahead of `now`."""
    if at > now + FUTURE_SLACK:
        raise BadInput(f"at: {at.isoformat()} is in the future (the service's time is {now.isoformat()}); "
                       "give the time with its zone, such as 2026-11-21T05:00:00Z")


def record(store: Store, change: Change, now: datetime) -> dict[str, Any]:
    """Record `change` unless its id is taken; the row stored under the id either way (as `changes.change`
    reads it, with its time of recording)."""
    stored = q.change(store, change.id)
    if stored is None:
        q.insert(store, [change.row(now)])
        stored = q.change(store, change.id)
    assert stored is not None, "a change just written reads back"
    return stored
