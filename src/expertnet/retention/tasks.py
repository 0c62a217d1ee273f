"""The worker's retention job (expertnet.worker JOB_MODULES): one pass every
EXPERTNET_RETENTION_INTERVAL_MINUTES per process; the pass itself is safe to run anywhere at once."""

import logging
from datetime import datetime, timedelta

from expertnet.db import Database, utcnow
from expertnet.retention import service

log = logging.getLogger(__name__)
_last_run: dict[str, datetime] = {}  # database url -> time of this process's last pass


async def run_periodic(db: Database) -> dict[str, int]:
    now = utcnow()
    last = _last_run.get(db.settings.database_url)
    if last is not None and now - last < timedelta(minutes=db.settings.retention_interval_minutes):
        return {}
    _last_run[db.settings.database_url] = now
    out = await service.run(db, now=now)
    if out.flagged or out.erased or out.failed:
        log.info("retention: %d flagged, %d erased, %d failed", len(out.flagged), len(out.erased), len(out.failed))
    return {"retention_flagged": len(out.flagged), "retention_erased": len(out.erased)}
