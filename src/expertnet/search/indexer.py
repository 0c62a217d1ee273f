"""Outbox consumer: keeps the search indexes equal to the database.

Events carry only ids; the handler reads the current rows, so replaying an event, or handling an
old one after a newer one, always writes the newest state (idempotent, never stale).
"""
import time
from collections.abc import Callable, Iterator
from functools import lru_cache

import anyio.from_thread
from sqlalchemy import or_, select

from expertnet.config import Settings
from expertnet.core import outbox
from expertnet.core.models import OutboxEvent
from expertnet.db import Database
from expertnet.experts.models import Expert
from expertnet.matching.vocabulary import get_vocabulary
from expertnet.members.models import Member
from expertnet.search import AsyncSearch, make_backend
from expertnet.search.documents import expert_document

EXPERTS = "experts"
CONSULTATIONS = "consultations"
CHUNK = 1000
# Bumped on every write this process makes to an index (caches of derived results key on it).
WRITES = {"count": 0}


@lru_cache(maxsize=8)
def _search_for(data_dir: str, meili_url: str | None, meili_key: str | None) -> AsyncSearch:
    from pathlib import Path

    backend = make_backend(Path(data_dir), meili_url, meili_key, synonyms=get_vocabulary().synonyms())
    for name in (EXPERTS, CONSULTATIONS):
        backend.ensure_index(name)
    return AsyncSearch(backend)


def get_search(settings: Settings) -> AsyncSearch:
    """One search client per process and configuration."""
    return _search_for(str(settings.data_dir.resolve()), settings.meili_url, settings.meili_key)


def _ids(events: list[OutboxEvent]) -> list[int]:
    ids: set[int] = set()
    for event in events:
        if event.key.isdigit():
            ids.add(int(event.key))
        ids.update(int(i) for i in event.payload.get("ids", []))
    return sorted(ids)


async def expert_documents(session, ids: list[int]) -> list[dict]:
    rows = await session.execute(
        select(Expert, Member).join(Member, Member.id == Expert.member_id).where(Expert.id.in_(ids))
    )
    return [expert_document(expert, member) for expert, member in rows.all()]


async def sync_documents(db: Database, index: str, ids: list[int], load, chunk: int = CHUNK) -> None:
    """Write the current state of `ids` to `index`: upsert the rows that exist, delete the rest."""
    search = get_search(db.settings)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        async with db.sessionmaker() as session:
            docs = await load(session, part)
        found = {doc["id"] for doc in docs}
        WRITES["count"] += 1
        if docs:
            await search.upsert(index, docs)
        missing = [str(i) for i in part if str(i) not in found]
        if missing:
            await search.delete(index, missing)


async def index_experts(db: Database, events: list[OutboxEvent]) -> None:
    await sync_documents(db, EXPERTS, _ids(events), expert_documents)


def register() -> None:
    from expertnet.search.consultation_index import index_consultations

    outbox.register("index.expert", index_experts)
    outbox.register("index.consultation", index_consultations)


async def _iter_expert_chunks(db: Database, after_id: int) -> list[dict]:
    async with db.sessionmaker() as session:
        ids = (
            await session.execute(select(Expert.id).where(Expert.id > after_id).order_by(Expert.id).limit(CHUNK))
        ).scalars().all()
        return await expert_documents(session, list(ids)) if ids else []


async def rebuild_experts(db: Database, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the experts index from the database with no window of empty results.

    The backend fills a new generation and switches to it at the end; changes committed while it
    ran are applied again afterwards, so none is lost."""
    search = get_search(db.settings)
    started = time.time()

    def documents() -> Iterator[dict]:
        after = 0
        while True:
            docs = anyio.from_thread.run(_iter_expert_chunks, db, after)
            if not docs:
                return
            yield from docs
            after = max(int(d["id"]) for d in docs)

    count = await search.rebuild(EXPERTS, documents(), progress)
    WRITES["count"] += 1
    await _catch_up(db, started)
    return count


async def _catch_up(db: Database, since_epoch: float) -> None:
    from datetime import UTC, datetime

    since = datetime.fromtimestamp(since_epoch - 1, tz=UTC)
    async with db.sessionmaker() as session:
        ids = (
            await session.execute(
                select(Expert.id)
                .join(Member, Member.id == Expert.member_id)
                .where(or_(Expert.updated_at >= since, Member.updated_at >= since))
            )
        ).scalars().all()
    if ids:
        await index_experts(db, [OutboxEvent(topic="index.expert", key="catch-up", payload={"ids": list(ids)})])


async def rebuild_consultations(db: Database, progress: Callable[[int], None] | None = None) -> int:
    from expertnet.search.consultation_index import rebuild_consultations as rebuild

    return await rebuild(db, progress)
