"""Outbox handler of the objects package: compare a consultation with earlier ones ("seen before")."""

import logging

from expertnet.core import outbox
from expertnet.core.models import OutboxEvent
from expertnet.db import Database
from expertnet.objects import links
from expertnet.objects.photos import SEEN_BEFORE

log = logging.getLogger(__name__)


def register() -> None:
    outbox.register(SEEN_BEFORE, handle_seen_before)


async def handle_seen_before(db: Database, events: list[OutboxEvent]) -> None:
    """Idempotent: a pair is flagged once; a replay finds the same evidence and changes nothing."""
    for consultation_id in sorted({int(e.key) for e in events}):
        async with db.session() as session:
            flagged = await links.compare(session, db.settings, consultation_id)
        if flagged:
            log.info("consultation %d: %d pair(s) flagged as seen before", consultation_id, len(flagged))
