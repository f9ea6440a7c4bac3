"""The routing tree: which receivers hear about an alert, grouped how, on which timers (Alertmanager's `route:`).

Configured as a tree of `RouteConfig` (settings `alerts.route`), compiled into `Route` nodes whose
unset options are inherited from the parent. An alert enters at the root and goes depth-first:
the first matching child takes it unless that child says `continue: true`, in which case the
next siblings are tried too; when no child matches, the node itself takes it. Each node that takes
an alert puts it in a group: the node's id plus the values of its `group_by` labels (`['...']`
groups by every label, i.e. one group per alert), which is the group key of Alertmanager.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alerts.durations import duration_field
from store.matchers import Matcher, matches_all, parse_matcher, render

ALL_LABELS = "..."
DEFAULT_GROUP_BY = ("alertname",)
DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)


class RouteConfig(BaseModel):
    """One node of `alerts.route`, as written in spyglass.yaml (unset options inherit from the parent)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    receiver: str | None = Field(None, description="Receiver name; the root's default None sends nothing.")
    group_by: list[str] | None = Field(None, description="Labels that form a group; ['...'] = every label.")
    group_wait: timedelta | None = Field(None, description="Wait before a new group's first notification.")
    group_interval: timedelta | None = Field(None, description="Wait between notifications about a changed group.")
    repeat_interval: timedelta | None = Field(None, description="Wait before repeating an unchanged group.")
    matchers: list[str] = Field(default_factory=list, description='Label matchers, all must hold: team="ml".')
    continue_: bool = Field(False, alias="continue", description="Keep trying the next siblings after a match.")
    routes: list[RouteConfig] = Field(default_factory=list, description="Child routes, tried in order.")

    _durations = field_validator("group_wait", "group_interval", "repeat_interval", mode="before")(duration_field)

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_matcher(text)
        return value

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: list[str] | None) -> list[str] | None:
        if value and ALL_LABELS in value and len(value) > 1:
            raise ValueError("'...' groups by every label and cannot be combined with other labels")
        return value

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be more than 0")
        return value


def check_root(config: RouteConfig) -> RouteConfig:
    """The root takes every alert: no matchers, no `continue` (Alertmanager's rules)."""
    if config.matchers:
        raise ValueError("the root route matches every alert and cannot have matchers")
    if config.continue_:
        raise ValueError("the root route cannot have continue: true")
    return config


def route_receivers(config: RouteConfig) -> set[str]:
    """Every receiver a routing tree names (each must be configured)."""
    names = {config.receiver} if config.receiver else set()
    for child in config.routes:
        names |= route_receivers(child)
    return names


@dataclass(frozen=True)
class Route:
    """A compiled node: its own matchers and the options it inherited or set."""

    id: str
    receiver: str | None
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    matchers: tuple[Matcher, ...]
    continue_: bool
    routes: tuple[Route, ...] = field(default=())

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The nodes that take an alert with `labels` (empty if this node does not match it)."""
        if not matches_all(self.matchers, labels):
            return []
        taken: list[Route] = []
        for child in self.routes:
            found = child.match(labels)
            taken.extend(found)
            if found and not child.continue_:
                break
        return taken or [self]

    def walk(self) -> Iterable[Route]:
        yield self
        for child in self.routes:
            yield from child.walk()


def compile_route(config: RouteConfig, parent: Route | None = None, node_id: str | None = None) -> Route:
    """The tree of `config` with inheritance applied; the root's unset options take Alertmanager's defaults."""
    matchers = tuple(parse_matcher(m) for m in config.matchers)

    def pick(name: str, default: Any) -> Any:
        own = getattr(config, name)
        return own if own is not None else (getattr(parent, name) if parent else default)

    group_by = tuple(config.group_by) if config.group_by is not None else (
        parent.group_by if parent else DEFAULT_GROUP_BY)
    node = Route(node_id if node_id is not None else render(matchers), pick("receiver", None), group_by,
                 pick("group_wait", DEFAULT_GROUP_WAIT), pick("group_interval", DEFAULT_GROUP_INTERVAL),
                 pick("repeat_interval", DEFAULT_REPEAT_INTERVAL), matchers, config.continue_)
    keys = [f"{node.id}/{render(parse_matcher(m) for m in child.matchers)}" for child in config.routes]
    # Siblings with the same matchers get their position too, so their groups never share a key.
    ids = [key if keys.count(key) == 1 else f"{key}/{i}" for i, key in enumerate(keys)]
    children = tuple(compile_route(child, node, child_id) for child, child_id in zip(config.routes, ids, strict=True))
    return Route(node.id, node.receiver, node.group_by, node.group_wait, node.group_interval, node.repeat_interval,
                 node.matchers, node.continue_, children)


def group_labels(labels: Mapping[str, str], group_by: Iterable[str]) -> dict[str, str]:
    """The labels of an alert that name its group: those of `group_by` it has (all of them for '...')."""
    names = tuple(group_by)
    if names == (ALL_LABELS,):
        return dict(labels)
    return {name: labels[name] for name in names if name in labels}


def group_key(route: Route, labels: Mapping[str, str]) -> str:
    """`{}/{team="ml"}:{alertname="cost-spike"}`: the route's id, then the group's labels (Alertmanager's form)."""
    rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{route.id}:{{{rendered}}}"


def receivers(route: Route) -> set[str]:
    """Every receiver the tree names (to check against the configured receivers)."""
    return {node.receiver for node in route.walk() if node.receiver}
