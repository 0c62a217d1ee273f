"""Periodic job: forms kept after a session ended are erased once their time is up, whether or
not anyone came back for them (they may hold case text)."""

from expertnet.db import Database, utcnow
from expertnet.sessions import repository


async def run_periodic(db: Database) -> dict[str, int]:
    async with db.session() as session:
        erased = await repository.forget_expired(session, utcnow())
    return {"form_drafts_erased": erased} if erased else {}
