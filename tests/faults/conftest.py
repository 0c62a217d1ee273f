"""The fault suite's harness: real `expertnet worker` processes, a real SMTP server (aiosmtpd) that
can be slow or stall, and helpers that seed the database through the real importer and producers.

Leases, polls and backoffs are set to fractions of a second (EXPERTNET_OUTBOX_LEASE_SECONDS ...),
so every scenario takes seconds."""

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from expertnet.config import Settings
from expertnet.core import outbox
from expertnet.core.models import OutboxEvent
from expertnet.db import Database
from expertnet.experts import importer
from expertnet.notifications import service as notifications
from expertnet.notifications.models import Notification

EXPERTNET = Path(sys.executable).with_name("expertnet")
LEASE_SECONDS = 1.0  # short, so a dead worker's events come back within seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Accepted:
    at: float  # time.monotonic() when the server answered 250
    message_id: str
    to: list[str]


class Inbox:
    """aiosmtpd handler: keeps every accepted message, answering each after `delay` seconds."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.accepted: list[Accepted] = []
        self._lock = threading.Lock()
        self.hold_after: int | None = None  # answer no message beyond this many until release()
        self._open = threading.Event()
        self._open.set()

    def hold(self, after: int) -> None:
        self.hold_after = after
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def handle_DATA(self, server, session, envelope):
        while self.hold_after is not None and self.count() >= self.hold_after and not self._open.is_set():
            await asyncio.sleep(0.02)  # a server that keeps the client waiting (the client's lease is renewed)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.accepted.append(Accepted(time.monotonic(), str(message["Message-ID"]), list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def by_message_id(self) -> dict[str, list[Accepted]]:
        with self._lock:
            found: dict[str, list[Accepted]] = {}
            for item in self.accepted:
                found.setdefault(item.message_id, []).append(item)
            return found


class SmtpServer:
    def __init__(self, delay: float = 0.0):
        self.inbox = Inbox(delay)
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


class StalledSmtp:
    """A server that accepts TCP connections and never says a word (no greeting): a stalled relay."""

    def __init__(self):
        self.port = free_port()
        self._sock = socket.socket()

    def __enter__(self) -> "StalledSmtp":
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(64)  # the kernel completes the handshakes; nobody ever reads or answers
        return self

    def __exit__(self, *exc) -> None:
        self._sock.close()


def worker_env(settings: Settings, **extra: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPERTNET_")}
    env.update(
        {
            "EXPERTNET_ENV": "test",
            "EXPERTNET_DATA_DIR": str(settings.data_dir),
            "EXPERTNET_DATABASE_URL": settings.database_url,
            "EXPERTNET_SECRET_KEY": settings.secret_key,
            "EXPERTNET_EMBEDDINGS": "0",
            "EXPERTNET_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "EXPERTNET_OUTBOX_BATCH_SIZE": "5",
            "EXPERTNET_WORKER_POLL_SECONDS": "0.05",
            "EXPERTNET_WORKER_BACKOFF_MAX_SECONDS": "0.5",
            "EXPERTNET_JOB_INTERVAL_SECONDS": "1",
            "EXPERTNET_BASE_URL": "https://desk.example.org",
            "EXPERTNET_INLINE_WORKER": "0",
            "EXPERTNET_BACKGROUND_JOBS": "0",
        }
    )
    if settings.smtp_host:
        env["EXPERTNET_SMTP_HOST"] = settings.smtp_host
        env["EXPERTNET_SMTP_PORT"] = str(settings.smtp_port)
    env.update({f"EXPERTNET_{k}": str(v) for k, v in extra.items()})
    return env


class Worker:
    """`expertnet worker` in its own process, its log in a file (shown when a test fails)."""

    def __init__(self, settings: Settings, log_dir: Path, name: str, **extra: object):
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(EXPERTNET), "worker"],
            env=worker_env(settings, **extra),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=log_dir,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(settings: Settings, name: str = "", **extra: object) -> Worker:
        worker = Worker(settings, tmp_path, name or f"worker{len(started) + 1}", **extra)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def fault_settings(settings) -> Settings:
    """The suite's settings on the leg's fresh database: no dense vectors (fast indexing), short
    leases, small claims, the app's own background jobs off unless a test turns them on."""
    return replace(
        settings,
        embeddings=False,
        outbox_lease_seconds=LEASE_SECONDS,
        outbox_batch_size=5,
        base_url="https://desk.example.org",
    )


def expert_record(n: int, **fields) -> dict:
    record = {
        "external_id": f"FX{n:04d}",
        "full_name": f"Fault Expert {n}",
        "email": f"fault.expert{n}@experts.example",
        "organisation": "Institute",
        "org_type": "museum",
        "country": "RS",
        "coverage_countries": [],
        "languages": ["en"],
        "categories": ["numismatics"],
        "specialties": [],
        "bio": f"bio {n}",
        "vetting_status": "approved",
    }
    record.update(fields)
    return record


async def import_experts(settings: Settings, records: list[dict]) -> importer.ImportResult:
    """The CLI's import, without draining: the events wait for whoever drains."""
    parsed, errors = importer.parse([json.dumps(r) for r in records])
    assert not errors, errors
    db = Database(settings)
    try:
        async with db.session() as session:
            result = await importer.apply(session, settings, parsed)
            assert not result.errors, result.errors
        return result
    finally:
        await db.dispose()


async def member_ids(settings: Settings) -> list[int]:
    from expertnet.experts.models import Expert

    db = Database(settings)
    try:
        async with db.sessionmaker() as session:
            return list((await session.execute(select(Expert.member_id).order_by(Expert.id))).scalars())
    finally:
        await db.dispose()


async def notify_each(settings: Settings, ids: list[int], kind: str = "message") -> None:
    """One "notify" event per member, committed like a producer's (each becomes one e-mail)."""
    db = Database(settings)
    try:
        async with db.session() as session:
            for member_id in ids:
                await notifications.notify(session, [member_id], kind, "s", "b", "/notifications", key=member_id)
    finally:
        await db.dispose()


async def queue_emails(settings: Settings, ids: list[int]) -> list[int]:
    """Notifications and their "email.send" events, as the notify handler makes them, with the
    notify events marked done: the outbox then holds only e-mail to send. Returns notification ids."""
    await notify_each(settings, ids)
    db = Database(settings)
    try:
        async with db.session() as session:
            events = list(
                (
                    await session.execute(
                        select(OutboxEvent).where(
                            OutboxEvent.topic == notifications.NOTIFY, OutboxEvent.processed_at.is_(None)
                        )
                    )
                ).scalars()
            )
            await notifications.create_from_events(session, settings, events)
            for event in events:
                event.processed_at = event.created_at
        async with db.sessionmaker() as session:
            return list((await session.execute(select(Notification.id).order_by(Notification.id))).scalars())
    finally:
        await db.dispose()


async def outbox_state(settings: Settings) -> dict:
    db = Database(settings)
    try:
        async with db.sessionmaker() as session:
            pending = list(
                (
                    await session.execute(
                        select(
                            OutboxEvent.topic,
                            OutboxEvent.attempts,
                            OutboxEvent.last_error,
                            OutboxEvent.claimed_by,
                            OutboxEvent.available_at,
                            OutboxEvent.key,
                        ).where(OutboxEvent.processed_at.is_(None))
                    )
                ).all()
            )
            emailed = dict((await session.execute(select(Notification.id, Notification.emailed_at))).all())
            return {"pending": len(pending), "pending_events": pending, "emailed": emailed}
    finally:
        await db.dispose()


async def wait_for(predicate, timeout: float, interval: float = 0.05):
    """Poll `await predicate()` until it returns something truthy; returns it, or the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(interval)


def message_id(notification_id: int) -> str:
    return f"<expertnet.notification.{notification_id}@expertnet.example>"


async def drain_here(settings: Settings) -> int:
    """Drain in this process (handlers registered as the CLI does)."""
    from expertnet.worker import register_handlers

    register_handlers(settings)
    db = Database(settings)
    try:
        return await outbox.drain(db)
    finally:
        await db.dispose()
