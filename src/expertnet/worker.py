"""The worker: drains the outbox (search index, e-mail) and runs scheduled jobs (offer expiry).

Run as `expertnet worker`; several may run at once on PostgreSQL (rows are claimed with
FOR UPDATE SKIP LOCKED). On the embedded default the app drains the outbox itself after each
commit, and `expertnet worker` is still useful for scheduled jobs.
"""
import asyncio
import logging
import signal

from expertnet.audit import tasks as audit_jobs
from expertnet.config import Settings
from expertnet.consultations import tasks as consultation_jobs
from expertnet.core import outbox
from expertnet.db import Database
from expertnet.notifications import tasks as notification_handlers
from expertnet.retention import tasks as retention_jobs
from expertnet.search import indexer

log = logging.getLogger("expertnet.worker")

# Modules that register outbox handlers (`register()`) and run periodic jobs (`run_periodic(db)`).
HANDLER_MODULES = (indexer, notification_handlers)
JOB_MODULES = (consultation_jobs, retention_jobs, audit_jobs)


def register_handlers(settings: Settings | None = None) -> None:
    for module in HANDLER_MODULES:
        module.register()


async def run_jobs(db: Database) -> None:
    for module in JOB_MODULES:
        await module.run_periodic(db)


async def run_worker(settings: Settings, poll_seconds: float = 0.2, once: bool = False) -> None:
    register_handlers(settings)
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
    log.info("worker started")
    try:
        while not stop.is_set():
            handled = await outbox.drain(db)
            await run_jobs(db)
            if once:
                break
            if handled == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
                except TimeoutError:
                    pass
    finally:
        await db.dispose()
        log.info("worker stopped")
