"""Outbox consumer: keeps the search indexes equal to the database, and rebuilds them from it.

Events carry only ids; the handler reads the current rows, so replaying an event, or handling an
old one after a newer one, always writes the newest state (idempotent, never stale).
"""

import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import anyio.from_thread
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import outbox
from expertnet.core.models import OutboxEvent, pk
from expertnet.db import Database
from expertnet.experts import repository as experts
from expertnet.experts.service import VECTORS_TOPIC
from expertnet.matching import vectors
from expertnet.matching.embedder import get_embedder
from expertnet.matching.vocabulary import get_vocabulary
from expertnet.search import AsyncSearch, consultation_index, make_backend
from expertnet.search.documents import expert_document
from expertnet.search.vector_index import VECTOR_KEY

EXPERTS = "experts"
CONSULTATIONS = consultation_index.INDEX
CHUNK = 1000
# Bumped on every write this process makes to an index (caches of derived results key on it).
WRITES = {"count": 0}

# (session, ids) -> the documents of those ids that still exist
LoadDocuments = Callable[[AsyncSession, list[int]], Awaitable[list[dict]]]
# (session, after_id, limit) -> the next ids of a table, in order
IdsAfter = Callable[[AsyncSession, int, int], Awaitable[list[int]]]


@lru_cache(maxsize=8)
def _search_for(data_dir: str, meili_url: str | None, meili_key: str | None, meili_prefix: str = "") -> AsyncSearch:
    backend = make_backend(
        Path(data_dir), meili_url, meili_key, synonyms=get_vocabulary().synonyms(), meili_index_prefix=meili_prefix
    )
    for name in (EXPERTS, CONSULTATIONS):
        backend.ensure_index(name)
    return AsyncSearch(backend)


def get_search(settings: Settings) -> AsyncSearch:
    """One search client per process and configuration (the app hands it to handlers as `search`)."""
    return _search_for(
        str(settings.data_dir.resolve()), settings.meili_url, settings.meili_key, settings.meili_index_prefix
    )


def register() -> None:
    outbox.register("index.expert", index_experts)
    outbox.register("index.consultation", index_consultations)
    outbox.register(VECTORS_TOPIC, index_vectors)


def event_ids(events: list[OutboxEvent]) -> list[int]:
    """The row ids a batch of events names: in its key, or in its payload's "ids" (bulk paths)."""
    ids: set[int] = set()
    for event in events:
        if event.key.isdigit():
            ids.add(int(event.key))
        ids.update(int(i) for i in event.payload.get("ids", []))
    return sorted(ids)


async def expert_documents(session: AsyncSession, ids: list[int]) -> list[dict]:
    """Expert documents, each with its stored vector (or None: not computed yet) as ``_vector``."""
    rows = await experts.with_members(session, ids)
    stored = await vectors.stored_vectors(session, [pk(expert) for expert, _ in rows])
    docs = []
    for expert, member in rows:
        doc = expert_document(expert, member)
        blob = stored.get(pk(expert))
        doc[VECTOR_KEY] = None if blob is None else np.frombuffer(blob, dtype="<f2")
        docs.append(doc)
    return docs


async def sync_documents(db: Database, index: str, ids: list[int], load: LoadDocuments, chunk: int = CHUNK) -> None:
    """Write the current state of `ids` to `index`: upsert the rows that exist, delete the rest."""
    search = get_search(db.settings)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        async with db.read_sessionmaker() as session:  # SQLite: reads beside writers, no write lock
            docs = await load(session, part)
        found = {doc["id"] for doc in docs}
        WRITES["count"] += 1
        if docs:
            await search.upsert(index, docs)
        missing = [str(i) for i in part if str(i) not in found]
        if missing:
            await search.delete(index, missing)


async def index_experts(db: Database, events: list[OutboxEvent]) -> None:
    ids = event_ids(events)
    await sync_documents(db, EXPERTS, ids, expert_documents)
    await announce_vectors(db, ids)


async def announce_vectors(db: Database, ids: list[int]) -> None:
    """Vectors follow the words in events of their own: an expert is searchable by words and
    concepts as soon as it is indexed, and by meaning once its vector is computed."""
    if not ids or get_embedder(db.settings) is None:
        return
    async with db.sessionmaker() as session:
        await outbox.emit_many(
            session,
            VECTORS_TOPIC,
            "bulk",
            [{"ids": ids[start : start + vectors.FILL_CHUNK]} for start in range(0, len(ids), vectors.FILL_CHUNK)],
        )
        await session.commit()


async def index_vectors(db: Database, events: list[OutboxEvent]) -> None:
    """Recompute the vectors whose profile changed, store them, and hand them to the engine."""
    ids = event_ids(events)
    for start in range(0, len(ids), vectors.FILL_CHUNK):
        part = ids[start : start + vectors.FILL_CHUNK]
        async with db.sessionmaker() as session:
            stats = await vectors.fill_vectors(session, part)
            await session.commit()
        if stats is None:
            return
        changed: dict[str, object] = {str(i): v for i, v in stats.computed.items()}
        changed.update({str(i): None for i in stats.deleted})
        if changed:
            WRITES["count"] += 1
            await get_search(db.settings).set_vectors(EXPERTS, changed)


async def index_consultations(db: Database, events: list[OutboxEvent]) -> None:
    await sync_documents(
        db, CONSULTATIONS, event_ids(events), consultation_index.consultation_documents, consultation_index.CHUNK
    )


async def _rebuild(
    db: Database,
    index: str,
    ids_after: IdsAfter,
    load: LoadDocuments,
    chunk: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Fill a new generation of `index` from the table, a chunk at a time, and switch to it at the
    end: searches see the old generation until then, never an empty index."""

    async def chunk_after(after_id: int) -> list[dict]:
        async with db.read_sessionmaker() as session:
            ids = await ids_after(session, after_id, chunk)
            return await load(session, ids) if ids else []

    def documents() -> Iterator[dict]:
        after = 0
        while True:
            docs = anyio.from_thread.run(chunk_after, after)
            if not docs:
                return
            yield from docs
            after = max(int(d["id"]) for d in docs)

    return await get_search(db.settings).rebuild(index, documents(), progress)


async def rebuild_experts(db: Database, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the experts index; changes committed while it ran are applied again afterwards,
    so none is lost."""
    started = time.time()
    count = await _rebuild(db, EXPERTS, experts.ids_after, expert_documents, CHUNK, progress)
    WRITES["count"] += 1
    since = datetime.fromtimestamp(started - 1, tz=UTC)
    async with db.read_sessionmaker() as session:
        changed = await experts.ids_changed_since(session, since)
    if changed:
        await sync_documents(db, EXPERTS, sorted(changed), expert_documents)
    return count


async def rebuild_consultations(db: Database, progress: Callable[[int], None] | None = None) -> int:
    return await _rebuild(
        db,
        CONSULTATIONS,
        consultation_index.ids_after,
        consultation_index.consultation_documents,
        consultation_index.CHUNK,
        progress,
    )
