"""The e-mail receiver against a real SMTP server (aiosmtpd) on 127.0.0.1: the message and its threading
headers, STARTTLS with a login, and RFC 5321 reply classes (4yz retried, 5yz permanent)."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import ValidationError

from alerts.notifiers import build
from alerts.notifiers.email import EmailConfig
from tests.helpers.notifications import notification
from tests.helpers.service_process import free_port

PASSWORD = "correct horse battery staple"


class Mailbox:
    """aiosmtpd handler: keeps every accepted message; a recipient `unknown@...` gets 550, and `data_reply`
    (when set) answers DATA instead of accepting."""

    def __init__(self) -> None:
        self.messages: list = []
        self.tls: list[bool] = []
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if address.startswith("unknown@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.tls.append(session.ssl is not None)
        return "250 2.0.0 accepted"


def _login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _serve(**smtp) -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Iterator[tuple[Mailbox, int]]:
    """A plain local relay: no TLS, no login."""
    yield from _serve()


@pytest.fixture
def submission(certificate) -> Iterator[tuple[Mailbox, int]]:
    """A submission server: STARTTLS, and a login once encrypted."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    yield from _serve(tls_context=context, authenticator=_login, auth_require_tls=True)


def email(port: int, **more) -> EmailConfig:
    settings = {"name": "mail", "type": "email", "to": "oncall@example.com, lead@example.com",
                "from": "spyglass@alerts.example.com", "smarthost": f"127.0.0.1:{port}", "starttls": False} | more
    return EmailConfig.model_validate(settings)


def send(config: EmailConfig, *notifications):
    notifier = build(config, 5, 1)
    return [notifier.send(n) for n in notifications or (notification("mail"),)]


def test_one_thread_per_group_and_one_message_id_per_notification(relay):
    mailbox, port = relay
    first, second, other = notification("mail"), notification("mail", sequence=2), notification("mail", group="b")
    assert [d.outcome for d in send(email(port), first, second, other)] == ["delivered"] * 3
    a, b, c = mailbox.messages
    assert a["Message-ID"] == f"<{first.id}@alerts.example.com>" and b["Message-ID"] == f"<{second.id}@alerts.example.com>"
    assert a["In-Reply-To"] == a["References"] == b["In-Reply-To"] != c["In-Reply-To"]
    assert a["Subject"] == "[FIRING:2] HighLLMErrorRate chat-api (critical)"
    assert (a["From"], a["To"]) == ("spyglass@alerts.example.com", "oncall@example.com, lead@example.com")
    text = a.get_content()
    assert "FIRING   Error ratio above budget on a (instance=a, service=chat-api, severity=critical)" in text
    assert "Runbook: https://obs.example/runbooks/llm-errors?v=7" in text and first.group_key in text


def test_starttls_and_a_login(submission, certificate):
    mailbox, port = submission
    config = email(port, starttls=True, ca_file=str(certificate[0]), username="spyglass", password=PASSWORD)
    [delivery] = send(config)
    assert delivery.outcome == "delivered" and mailbox.tls == [True]


def test_a_wrong_password_fails_for_good_without_showing_it(submission, certificate):
    mailbox, port = submission
    config = email(port, starttls=True, ca_file=str(certificate[0]), username="spyglass", password="hunter2-wrong")
    [delivery] = send(config)
    assert delivery.outcome == "failed" and delivery.detail.startswith("SMTP 535") and "hunter2" not in delivery.detail
    assert mailbox.messages == []


def test_an_untrusted_certificate_fails_for_good(submission):
    _, port = submission
    [delivery] = send(email(port, starttls=True))
    assert delivery.outcome == "failed" and "not trusted" in delivery.detail


def test_starttls_against_a_server_without_it_says_so(relay):
    _, port = relay
    [delivery] = send(email(port, starttls=True))
    assert delivery.outcome == "failed" and "does not offer STARTTLS" in delivery.detail


def test_4xx_is_retried_and_5xx_is_permanent(relay):
    mailbox, port = relay
    mailbox.data_reply = "451 4.3.0 try again later"
    [busy] = send(email(port))
    mailbox.data_reply = "554 5.6.0 message refused"
    [refused] = send(email(port))
    mailbox.data_reply = None
    [unknown] = send(email(port, to=["unknown@example.com"]))
    [partly] = send(email(port, to=["unknown@example.com", "oncall@example.com"]))
    assert (busy.outcome, busy.detail) == ("retry", "SMTP 451: 4.3.0 try again later")
    assert (refused.outcome, refused.detail) == ("failed", "SMTP 554: 5.6.0 message refused")
    assert unknown.outcome == "failed" and "unknown@example.com 550" in unknown.detail
    assert partly.outcome == "delivered" and "refused: unknown@example.com 550" in partly.detail


def test_a_server_that_is_not_there_is_worth_a_retry():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        [delivery] = send(email(sock.getsockname()[1]))
    assert delivery.outcome == "retry" and "ConnectionRefusedError" in delivery.detail


@pytest.mark.parametrize(("change", "message"), [
    ({"smarthost": "mail.example.com"}, "expected host:port"),
    ({"to": []}, "at least 1 item"),
    ({"to": "not-an-address"}, "is not an e-mail address"),
    ({"from": "spyglass"}, "is not an e-mail address"),
    ({"username": "spyglass"}, "username and password go together"),
    ({"ca_file": "/nonexistent/ca.pem"}, "is not a file"),
])
def test_malformed_settings_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        email(25, **change)


def test_resolved_mail_is_off_by_default():
    assert email(25).send_resolved is False
