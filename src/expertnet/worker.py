"""The worker: drains the outbox (search index, e-mail) and runs scheduled jobs (offer expiry).

Run as `expertnet worker`; several may run at once (on PostgreSQL rows are claimed with
FOR UPDATE SKIP LOCKED; see core/outbox.py for leases). On the embedded default the app drains
the outbox itself in a background task, and `expertnet worker` is still useful for scheduled jobs.

The worker outlives outages: when the database or the search engine does not answer, it logs
the error, waits (doubling up to `worker_backoff_max_seconds`) and resumes by itself. Periodic
jobs run every `job_interval_seconds`, not on every poll.
"""

import asyncio
import logging
import signal
import time

from expertnet.audit import tasks as audit_jobs
from expertnet.config import Settings
from expertnet.consultations import tasks as consultation_jobs
from expertnet.core import outbox
from expertnet.db import Database
from expertnet.matching.warm import warm_up
from expertnet.notifications import account_mail
from expertnet.notifications import tasks as notification_handlers
from expertnet.objects import tasks as object_handlers
from expertnet.retention import tasks as retention_jobs
from expertnet.search import indexer
from expertnet.sessions import tasks as session_jobs

log = logging.getLogger("expertnet.worker")

# Modules that register outbox handlers (`register()`) and run periodic jobs (`run_periodic(db)`).
HANDLER_MODULES = (indexer, notification_handlers, account_mail, object_handlers)
JOB_MODULES = (consultation_jobs, retention_jobs, audit_jobs, session_jobs)


def register_handlers(settings: Settings | None = None) -> None:
    for module in HANDLER_MODULES:
        module.register()


async def run_jobs(db: Database) -> None:
    for module in JOB_MODULES:
        await module.run_periodic(db)


class Backoff:
    """Waits after consecutive failures: poll, 2 x poll, 4 x poll ... up to `ceiling` seconds."""

    def __init__(self, base: float, ceiling: float):
        self.base, self.ceiling, self.failures = base, ceiling, 0

    def failed(self) -> float:
        self.failures += 1
        return min(self.ceiling, max(self.base, 0.1) * 2 ** (self.failures - 1))

    def succeeded(self) -> None:
        if self.failures:
            log.info("worker resumed after %d failed attempt(s)", self.failures)
        self.failures = 0


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def run_worker(settings: Settings, poll_seconds: float | None = None, once: bool = False) -> None:
    register_handlers(settings)
    poll = settings.worker_poll_seconds if poll_seconds is None else poll_seconds
    db = Database(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:  # load the vocabulary and open the indexes now, not when the first change waits for them
        await asyncio.to_thread(indexer.get_search, settings)
    except Exception:  # noqa: BLE001 - an engine that is down now is retried by the outbox later
        log.exception("search engine not ready at start-up; index events wait in the outbox")
    if settings.warm_up and not once:
        # The sentence encoder takes seconds to load: now, not while a profile change waits behind
        # the first vector event.
        await asyncio.to_thread(warm_up, settings)
    log.info("worker %s started", outbox.WORKER_ID)
    backoff = Backoff(poll, settings.worker_backoff_max_seconds)
    jobs_due = 0.0  # monotonic time of the next periodic run
    freed_dead = False
    try:
        if once:
            await outbox.drain(db)
            await run_jobs(db)
            return
        while not stop.is_set():
            try:
                if not freed_dead:
                    await outbox.release_dead_claims(db)
                    freed_dead = True
                handled = await outbox.drain_once(db)
                if time.monotonic() >= jobs_due:
                    await run_jobs(db)
                    jobs_due = time.monotonic() + settings.job_interval_seconds
                backoff.succeeded()
            except Exception as exc:  # noqa: BLE001 - outages must not end the worker
                delay = backoff.failed()
                log.warning(
                    "worker: %s: %s; retrying in %.1f s",
                    type(exc).__name__,
                    str(exc).splitlines()[0][:300] if str(exc) else "",
                    delay,
                )
                await _wait(stop, delay)
                continue
            if handled == 0:
                await _wait(stop, poll)
    finally:
        await db.dispose()
        log.info("worker stopped")
