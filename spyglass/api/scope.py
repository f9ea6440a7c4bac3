"""Which projects a request may see: the one seam between a key's scope and every query.

The access dependency (access.py) resolves the bearer key of each request to its role and its `Scope`, and puts
the scope on the request; routes take it as `ScopeDep`. Then:

- a route that builds `store.queries.Filters` from query parameters passes its `project` values through
  `Scope.narrow` (common.filters requires the scope, so none can forget it): no `project` asked means the key's
  projects, a project outside the key's is a 403 that names the key's projects; every query's WHERE already
  honours `Filters.projects`;
- a route whose rows carry a project but no Filters (a trace, a drift result, a change, an incident, an alert's
  labels) asks `Scope.allows(project)`; a single item of another project answers 404, exactly as an unknown id, so
  a scoped key cannot learn that it exists;
- a write names its project and calls `Scope.require` (403 outside the key's projects).

An alert, silence, notification or incident without a `project` label may cover several projects (a rule grouped
by service alone counts every project's calls): only a key that reaches every project sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from store.errors import Forbidden
from store.matchers import Matcher

PROJECT_LABEL = "project"


@dataclass(frozen=True)
class Scope:
    """The projects a key reaches; `projects` None: every project (an unscoped key, or no keys configured)."""

    projects: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.projects is None

    def _named(self) -> str:
        return ", ".join(sorted(self.projects or ()))

    def narrow(self, asked: Sequence[str] | None) -> tuple[str, ...]:
        """The projects a query filters to: those asked for (each within the scope, else 403), or, when none is
        asked, the scope's projects (empty for every project)."""
        if self.projects is None:
            return tuple(asked or ())
        outside = sorted(set(asked or ()) - self.projects)
        if outside:
            raise Forbidden(f"project: this key reads only {self._named()}; it cannot read {', '.join(outside)}")
        return tuple(asked) if asked else tuple(sorted(self.projects))

    def allows(self, project: str | None) -> bool:
        """Whether a row of `project` is visible (a row without a project only to a key of every project)."""
        return self.projects is None or project in self.projects

    def allows_labels(self, labels: Mapping[str, str]) -> bool:
        """Whether an alert (or anything labelled as one) is visible: by its `project` label."""
        return self.allows(labels.get(PROJECT_LABEL))

    def allows_all(self, projects: Iterable[str | None]) -> bool:
        """Whether something spanning `projects` is visible: each of them is (and, when scoped, there is one)."""
        if self.projects is None:
            return True
        found = list(projects)
        return bool(found) and all(self.allows(p) for p in found)

    def require(self, project: str | None, doing: str) -> None:
        """403 unless the key reaches `project` (None: something not tied to one project, which only a key of
        every project may change)."""
        if self.allows(project):
            return
        if project is None:
            raise Forbidden(f"{doing} is not limited to one project: it needs a key of every project "
                            f"(this key reaches only {self._named()})")
        raise Forbidden(f"{doing}: this key reaches only {self._named()}, not {project}")


EVERYTHING = Scope()


def matched_project(matchers: Iterable[Matcher]) -> str | None:
    """The project a silence (or any set of matchers) is limited to: its `project="..."` matcher's value."""
    return next((m.value for m in matchers if m.name == PROJECT_LABEL and m.op == "="), None)


def alert_projects(notification: Mapping[str, Any]) -> list[str | None]:
    """The projects of the alerts a notification carries (None for an alert without a project label)."""
    return [alert["labels"].get(PROJECT_LABEL) for alert in notification["alerts"]]


def get_scope(request: Request) -> Scope:
    """The scope the access dependency resolved for this request (every project when the API is open)."""
    return getattr(request.state, "scope", EVERYTHING)


ScopeDep = Annotated[Scope, Depends(get_scope)]
