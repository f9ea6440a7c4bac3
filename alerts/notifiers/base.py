"""The one small interface every receiver implements, and what one delivery attempt can end as.

A notifier turns a `Notification` into one request to one receiver and says how it went: delivered, worth
retrying (a network error, 5xx, 429, with the receiver's Retry-After), or failed for good (any other refusal,
with the reason). It never raises for a receiver's answer and never decides *when* to retry: the outbox
(alerts/outbox.py) owns attempts, backoff and the dead letter.

Receiver settings are pydantic models, one per type beside its notifier, all built on `ReceiverBase`. Secret
fields are `Secret` (a `SecretStr` that may be written `${SPYGLASS_...}` to come from the environment): their
values never appear in a repr, a log line, `public()` or an error the outbox stores (`redact`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from alerts.model import Notification

Outcome = Literal["delivered", "retry", "failed"]
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MASK = "**********"


@dataclass(frozen=True)
class Delivery:
    """How one attempt ended. `detail` is the receiver's reason (secrets removed); `retry_after` is the
    receiver's own Retry-After in seconds, when it gave one."""

    outcome: Outcome
    detail: str = ""
    retry_after: float | None = None

    @classmethod
    def delivered(cls, detail: str = "") -> Delivery:
        return cls("delivered", detail)

    @classmethod
    def retry(cls, detail: str, retry_after: float | None = None) -> Delivery:
        return cls("retry", detail, retry_after)

    @classmethod
    def failed(cls, detail: str) -> Delivery:
        return cls("failed", detail)


class Notifier(Protocol):
    """One configured receiver. `send` is called from several threads at once and must be thread-safe."""

    @property
    def config(self) -> ReceiverBase:
        """The receiver's settings."""

    def send(self, notification: Notification) -> Delivery:
        """Deliver `notification` once; never raises for the receiver's answer or a network error."""

    def close(self) -> None:
        """Release connections."""


def _resolve_env(value: Any) -> Any:
    """`${SPYGLASS_NAME}` -> that variable's value; anything else as given."""
    if not isinstance(value, str):
        return value
    match = _ENV_REFERENCE.fullmatch(value.strip())
    if match is None:
        return value
    name = match.group(1)
    if not name.startswith("SPYGLASS_"):
        raise ValueError(f"${{{name}}}: secrets come only from SPYGLASS_* environment variables")
    if name not in os.environ:
        raise ValueError(f"${{{name}}}: the environment variable {name} is not set")
    return os.environ[name]


Secret = Annotated[SecretStr, BeforeValidator(_resolve_env)]


class ReceiverBase(BaseModel):
    """What every receiver has: a unique name (routes refer to it), its type, and whether it wants resolved
    notifications (each type's default is Alertmanager's)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$",
                      description="The receiver's name, unique; routes send to it by name.")
    type: str
    send_resolved: bool = True

    def public(self) -> dict[str, Any]:
        """The settings as the API may show them: every secret masked."""
        return self.model_dump(mode="json", by_alias=True)

    def secrets(self) -> list[str]:
        """The plain values of this receiver's secrets (to scrub them from error texts)."""
        return [value.get_secret_value() for value in self.__dict__.values()
                if isinstance(value, SecretStr) and value.get_secret_value()]


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret value (and the part of it after a URL's scheme) masked."""
    for secret in secrets:
        text = text.replace(secret, _MASK)
        if "://" in secret:  # a secret URL: also its host-and-path and its path (a server may echo either)
            rest = secret.split("://", 1)[1]
            path = rest[rest.find("/"):] if "/" in rest else ""
            text = text.replace(rest, _MASK)
            if len(path) >= 8:
                text = text.replace(path, _MASK)
    return text
