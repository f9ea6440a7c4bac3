"""`type: email`: a plain-text mail over SMTP (STARTTLS by default), one thread per alert group.

Every mail of a group refers (`In-Reply-To`, `References`) to one synthetic root id derived from the receiver
and group key, so mail clients show a group as one thread; its own `Message-ID` is the notification's id, the
same on every retry and replay, so a duplicate is recognisable. Reply classes as RFC 5321 says: 4yz and
network errors are retried, 5yz fail for good (a login refused, a recipient unknown). `send_resolved`
defaults to false, as in Alertmanager. The password is a secret.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from alerts.model import Notification
from alerts.notifiers.base import Delivery, ReceiverBase, Secret, redact
from alerts.notifiers.render import alert_line, firing, resolved, runbook_url, title
from store.params import utc


def _address(value: str) -> str:
    name, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


class EmailConfig(ReceiverBase):
    type: Literal["email"]
    to: list[str] = Field(min_length=1, description="Recipients (a list, or one comma-separated string).")
    from_: str = Field(alias="from", description="The sender address.")
    smarthost: str = Field(description="The SMTP server as host:port (587 for STARTTLS, 25 for a local relay).")
    hello: str = Field("", description="The name sent in EHLO (default: this host's name).")
    username: str = Field("", description="SMTP login (with password); empty: no login.")
    password: Secret | None = Field(None, description="SMTP password: a secret.")
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS (refuse a server without it).")
    ca_file: Path | None = Field(None, description="Trust this CA bundle for STARTTLS (a private relay).")
    send_resolved: bool = False

    @field_validator("to", mode="before")
    @classmethod
    def _recipients(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("to")
    @classmethod
    def _valid_recipients(cls, value: list[str]) -> list[str]:
        return [_address(item) for item in value]

    @field_validator("from_")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        return _address(value)

    @field_validator("smarthost")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected host:port, e.g. smtp.example.com:587, got {value!r}")
        return value

    @model_validator(mode="after")
    def _login_pair(self) -> EmailConfig:
        if bool(self.username) != (self.password is not None):
            raise ValueError("username and password go together")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {self.ca_file} is not a file")
        return self


def _domain(config: EmailConfig) -> str:
    return parseaddr(config.from_)[1].rpartition("@")[2] or "spyglass"


def thread_id(notification: Notification, domain: str) -> str:
    """The synthetic root every mail of the group refers to."""
    digest = hashlib.sha256(f"{notification.receiver}\x1f{notification.group_key}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def mail(notification: Notification, config: EmailConfig) -> EmailMessage:
    """The message for a notification: the title as subject, one line per alert."""
    domain = _domain(config)
    message = EmailMessage()
    message["Subject"] = title(notification)
    message["From"] = config.from_
    message["To"] = ", ".join(config.to)
    message["Date"] = format_datetime(utc(notification.created_at))
    message["Message-ID"] = f"<{notification.id}@{domain}>"
    message["In-Reply-To"] = message["References"] = thread_id(notification, domain)
    lines = [title(notification), ""]
    lines += [f"FIRING   {alert_line(a)}" for a in firing(notification)]
    lines += [f"RESOLVED {alert_line(a)}" for a in resolved(notification)]
    lines += [f"\n{label}: {url}" for label, url in (("Runbook", runbook_url(notification)),
                                                     ("Spyglass", notification.external_url)) if url]
    lines += ["", f"Group: {notification.group_key}"]
    message.set_content("\n".join(lines) + "\n")
    return message


class EmailNotifier:
    def __init__(self, config: EmailConfig, timeout: float, connections: int) -> None:
        self.config = config
        self._timeout = timeout
        host, _, port = config.smarthost.rpartition(":")
        self._host, self._port = host.strip("[]"), int(port)
        self._tls = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)

    def send(self, notification: Notification) -> Delivery:
        try:
            refused = self._send(mail(notification, self.config))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            reason = f"every recipient refused: {_replies(exc.recipients)}"
            return Delivery.retry(reason) if any(400 <= c < 500 for c in codes) else Delivery.failed(reason)
        except smtplib.SMTPNotSupportedError:
            return Delivery.failed(f"{self.config.smarthost} does not offer STARTTLS (set starttls: false for a "
                                   "plain local relay)")
        except smtplib.SMTPResponseException as exc:
            reason = self._redact(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}")
            return Delivery.retry(reason) if 400 <= exc.smtp_code < 500 else Delivery.failed(reason)
        except ssl.SSLCertVerificationError as exc:
            return Delivery.failed(f"TLS certificate of {self.config.smarthost} not trusted: {exc.verify_message}")
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refused connections, timeouts
            return Delivery.retry(self._redact(f"{type(exc).__name__}: {exc}"))
        if refused:
            return Delivery.delivered(f"accepted; refused: {_replies(refused)}")
        return Delivery.delivered("250")

    def _send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP(self._host, self._port, local_hostname=self.config.hello or None,
                          timeout=self._timeout) as smtp:
            smtp.ehlo()
            if self.config.starttls:
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            if self.config.password is not None:
                smtp.login(self.config.username, self.config.password.get_secret_value())
            return smtp.send_message(message)

    def _redact(self, text: str) -> str:
        return redact(text, self.config.secrets())

    def close(self) -> None:
        """Nothing held: each send opens its own connection."""


def _text(reply: bytes | str) -> str:
    return " ".join((reply.decode(errors="replace") if isinstance(reply, bytes) else reply).split())


def _replies(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt} {code} {_text(reply)}" for rcpt, (code, reply) in refused.items())
