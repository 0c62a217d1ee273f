"""A real SMTP server (aiosmtpd) in this process, and an app whose settings point at it."""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, replace

import pytest
from aiosmtpd.controller import Controller

from expertnet.core import outbox
from expertnet.db import Database
from expertnet.notifications import tasks
from tests.conftest import Env, SettlingClient, run_async


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    raw: str


class Inbox:
    """aiosmtpd handler that keeps what it receives. Recipients can be refused by local part:
    "refused.*" for good (550), and any in `tempfail` for now (451)."""

    def __init__(self):
        self.messages: list[Received] = []
        self.tempfail: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused."):
            return "550 5.1.1 no such mailbox"
        if address in self.tempfail:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw.decode("utf-8", "replace"))
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = _free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_env(settings, smtp):
    """Like `env`, but the app (and every drain in the test) sends e-mail to the real SMTP server."""
    from expertnet.app import create_app

    mail_settings = replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port, base_url="https://desk.example.org")
    app = create_app(mail_settings)
    tasks.register()
    with SettlingClient(app, base_url="https://testserver.local", raise_server_exceptions=False) as client:
        yield Env(mail_settings, client)


def drain(settings) -> int:
    """Drain the outbox until nothing is due, as the worker does: "notify" first queues
    "email.send" events, which the next pass sends."""

    async def go():
        db = Database(settings)
        try:
            total = 0
            for _ in range(10):
                handled = await outbox.drain(db)
                total += handled
                if handled == 0:
                    break
            return total
        finally:
            await db.dispose()

    tasks.register()
    return run_async(go())
