"""The worker's job for availability (expertnet.worker JOB_MODULES): experts whose "away until"
date has passed are available again, and the search index must say so.

The indexed `available` of an expert already counts the away date (search.documents), so it goes
stale when the date passes. Each pass clears the away date of those experts (it is over; the
profile's version stays, so an expert's open profile form is not refused) and queues their index
update through the outbox, in one transaction; the `away_until < today` test makes a pass safe to
repeat and to run in several workers at once.
"""

import logging
from datetime import UTC, datetime

from expertnet.core import outbox
from expertnet.db import Database
from expertnet.experts import repository
from expertnet.experts.service import INDEX_TOPIC

log = logging.getLogger(__name__)
BATCH = 500


async def reindex_returned(db: Database, today=None) -> int:
    """Clear the passed away dates and queue the index updates; the number of experts back."""
    today = today or datetime.now(UTC).date()
    done = 0
    while True:
        async with db.session() as session:
            ids = await repository.back_from_away(session, today, BATCH)
            if not ids:
                return done
            await repository.clear_passed_away(session, ids, today)
            for expert_id in ids:
                outbox.emit(session, INDEX_TOPIC, expert_id)
        done += len(ids)
        if len(ids) < BATCH:
            return done


async def run_periodic(db: Database) -> dict[str, int]:
    back = await reindex_returned(db)
    if back:
        log.info("availability: %d expert(s) back from away, re-indexed", back)
    return {"experts_back": back}
