"""The receivers: one module per type (its settings model and its notifier), registered here.

Adding a receiver type is one new module with a `<Type>Config(ReceiverBase)` (with `type: Literal[...]`) and a
notifier class taking `(config, timeout, connections)`, plus one line in `_TYPES`. The settings (`alerts.receivers`)
are a list discriminated on `type`, so a receiver's keys are checked against its own type's model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, Tag

from alerts.notifiers.alertmanager import AlertmanagerConfig, AlertmanagerNotifier
from alerts.notifiers.base import Delivery, Notifier, ReceiverBase
from alerts.notifiers.email import EmailConfig, EmailNotifier
from alerts.notifiers.pagerduty import PagerDutyConfig, PagerDutyNotifier
from alerts.notifiers.slack import SlackConfig, SlackNotifier
from alerts.notifiers.webhook import WebhookConfig, WebhookNotifier

_TYPES: dict[type[ReceiverBase], Callable[..., Notifier]] = {
    WebhookConfig: WebhookNotifier,
    AlertmanagerConfig: AlertmanagerNotifier,
    SlackConfig: SlackNotifier,
    PagerDutyConfig: PagerDutyNotifier,
    EmailConfig: EmailNotifier,
}
TYPE_NAMES = tuple(config.model_fields["type"].annotation.__args__[0] for config in _TYPES)  # type: ignore[union-attr]



def _type_of(value: Any) -> Any:
    return value.get("type") if isinstance(value, dict) else getattr(value, "type", None)


if TYPE_CHECKING:  # the checker sees the common base; pydantic the union of the registered types
    ReceiverConfig = ReceiverBase
else:
    ReceiverConfig = Annotated[
        Union[tuple(Annotated[config, Tag(name)] for config, name in zip(_TYPES, TYPE_NAMES, strict=True))],  # noqa: UP007
        Discriminator(_type_of, custom_error_type="receiver_type",
                      custom_error_message=f"type must be one of {', '.join(TYPE_NAMES)}"),
    ]


def build(config: ReceiverBase, timeout: float, connections: int) -> Notifier:
    """The notifier for one receiver's settings; `timeout` bounds each request, `connections` its pool."""
    return _TYPES[type(config)](config, timeout, connections)


def check_unique(receivers: Sequence[ReceiverBase]) -> None:
    """ValueError naming the first receiver name given twice."""
    seen: set[str] = set()
    for receiver in receivers:
        if receiver.name in seen:
            raise ValueError(f"receiver name {receiver.name!r} is used twice; names must be unique")
        seen.add(receiver.name)


__all__ = ["TYPE_NAMES", "Delivery", "Notifier", "ReceiverBase", "ReceiverConfig", "build", "check_unique"]
