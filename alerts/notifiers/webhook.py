"""`type: webhook`: the Alertmanager webhook body (version 4), signed with Standard Webhooks headers.

Every request carries `webhook-id` (the notification's id: the same on every retry and replay, so a receiver
drops the duplicate a crash between send and record can cause) and `webhook-timestamp` (the attempt's Unix
seconds). With a `secret` (`whsec_` + base64 of 24-64 bytes) it also carries `webhook-signature`:
`v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`, which the `standardwebhooks` libraries verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Literal

from pydantic import AnyHttpUrl, Field, model_validator

from alerts.model import Notification
from alerts.notifiers import http
from alerts.notifiers.base import Delivery, ReceiverBase, Secret
from alerts.notifiers.render import webhook_body

_PREFIX = "whsec_"


class WebhookConfig(ReceiverBase):
    type: Literal["webhook"]
    url: AnyHttpUrl = Field(description="Where the notifications are POSTed.")
    secret: Secret | None = Field(None, description=(
        "Standard Webhooks signing secret, `whsec_` + base64 of 24-64 random bytes; sets webhook-signature."))
    max_alerts: int = Field(0, ge=0, description="At most this many alerts per body (0: all); the rest are counted "
                                                 "in truncatedAlerts.")
    send_resolved: bool = True

    @model_validator(mode="after")
    def _whsec(self) -> WebhookConfig:
        # Checked on the model, not the field, so that an error never quotes the secret back.
        if self.secret is not None:
            signing_key(self.secret.get_secret_value())
        return self


def signing_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_...` secret; ValueError (without the secret) when it is not one."""
    if not secret.startswith(_PREFIX):
        raise ValueError("secret: a webhook secret is whsec_ followed by base64 (Standard Webhooks)")
    try:
        key = base64.b64decode(secret[len(_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("secret: the part after whsec_ is not valid base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError(f"secret: decodes to {len(key)} bytes; Standard Webhooks needs 24 to 64")
    return key


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one request."""
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookNotifier:
    def __init__(self, config: WebhookConfig, timeout: float, connections: int) -> None:
        self.config = config
        self._key = signing_key(config.secret.get_secret_value()) if config.secret else None
        self._http = http.client(timeout, connections)

    def send(self, notification: Notification) -> Delivery:
        body = json.dumps(webhook_body(notification, self.config.max_alerts), separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {"webhook-id": notification.id, "webhook-timestamp": str(timestamp)}
        if self._key is not None:
            headers["webhook-signature"] = sign(self._key, notification.id, timestamp, body)
        return http.post_json(self._http, str(self.config.url), body, headers, self.config.secrets())

    def close(self) -> None:
        self._http.close()
