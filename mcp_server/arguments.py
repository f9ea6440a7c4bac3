"""The arguments tools share, typed and described for a model, and the `Query` they make.

Times are what the API accepts (a look-back such as `6h` or `7d`, `now`, or an RFC 3339 time); the API checks them
and its reason comes back as the tool error. Filters are lists: several values of one filter mean any of them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from client.api import Query

Since = Annotated[str, Field(min_length=1, description=(
    "Start of the time range: a look-back such as 1h, 24h or 7d, or an RFC 3339 time such as "
    "2026-12-01T00:00:00Z."))]
Until = Annotated[str | None, Field(description="End of the time range: RFC 3339 time or `now` (default: now).")]
Projects = Annotated[tuple[str, ...], Field(description="Only these projects (default: every project the key reads).")]
Services = Annotated[tuple[str, ...], Field(description="Only these services (service.name), e.g. chat-api.")]
Models = Annotated[tuple[str, ...], Field(description="Only these models, e.g. gpt-4o.")]
Teams = Annotated[tuple[str, ...], Field(description="Only these teams.")]
Features = Annotated[tuple[str, ...], Field(description="Only these features.")]
Providers = Annotated[tuple[str, ...], Field(description="Only these providers, e.g. openai, anthropic.")]
Environments = Annotated[tuple[str, ...], Field(description="Only these deployment environments, e.g. production.")]
SpendDimension = Literal["project", "service", "environment", "team", "feature", "user", "provider", "model"]
IncidentId = Annotated[str, Field(pattern=r"^INC-[0-9]+$", description="An incident id such as INC-12.")]
TraceId = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{32}$", description="A trace id: 32 hexadecimal digits.")]


def query(since: str, until: str | None, projects: tuple[str, ...] = (), services: tuple[str, ...] = (),
          models: tuple[str, ...] = (), environments: tuple[str, ...] = (),
          **filters: tuple[str, ...]) -> Query:
    """The client's Query; `filters` are the endpoint's other filters by name (team=("search",), ...)."""
    pairs = tuple((name, value) for name, values in filters.items() for value in values)
    return Query(since, until, tuple(projects), tuple(services), tuple(models), pairs, tuple(environments))
