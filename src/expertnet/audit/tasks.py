"""The worker's audit job: sign a checkpoint when the chain grew and the last one is old enough."""

import logging
from datetime import timedelta

from expertnet.core import audit
from expertnet.db import Database

log = logging.getLogger("expertnet.audit")


async def run_periodic(db: Database) -> dict[str, int]:
    settings = db.settings
    try:
        async with db.read_sessionmaker() as session:  # a snapshot; on SQLite writers go on
            cp = await audit.checkpoint(session, settings, min_age=timedelta(minutes=settings.audit_checkpoint_minutes))
            await session.rollback()
    except audit.ChainBroken as exc:
        log.error("audit chain broken, checkpoint not signed: %s", "; ".join(exc.problems))
        return {"checkpoints": 0}
    return {"checkpoints": int(cp is not None)}
