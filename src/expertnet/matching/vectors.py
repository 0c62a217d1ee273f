"""Stored profile vectors: one dense vector per expert, in the table ``expert_vectors``.

A vector is derived data, like the search index: the outbox handler for ``vectors.expert``
(:func:`fill_vectors`, emitted by the search indexer after every lexical update) recomputes it only
when the profile's ``source_hash`` (model name + the exact phrases the vector is made of, see
:func:`expertnet.matching.embedder.profile_text`) changed, and deletes the row of an expert that no
longer exists. Vectors are stored compactly as float16 bytes (1 KB at 512 dimensions).

Readers (routing, the search engines' vector leg) call :func:`vectors_for`: float32, L2-normalised,
only rows made by the current model. An expert without a vector yet is simply absent from the
answer; every caller must then rank it on words and concepts alone (never an error).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Column, LargeBinary, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from expertnet.db import UTCDateTime, utcnow
from expertnet.experts.models import Expert
from expertnet.matching.embedder import Embedder, get_embedder, profile_text, profile_vectors
from expertnet.matching.embedder import _digest as _profile_digest

__all__ = [
    "ExpertVector",
    "FillStats",
    "decode",
    "encode",
    "fill_vectors",
    "stored_vectors",
    "vectors_for",
]

STORE_DTYPE = np.float16
FILL_CHUNK = 1000  # experts per read + model call + write


class ExpertVector(SQLModel, table=True):
    """The dense vector of one expert's profile (derived; rebuilt from the profile at any time)."""

    __tablename__ = "expert_vectors"

    expert_id: int = Field(primary_key=True, foreign_key="experts.id")
    model: str = Field(max_length=100)
    source_hash: str = Field(max_length=64)
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def encode(vector: np.ndarray) -> bytes:
    """float16 little-endian bytes of a float vector."""
    return np.asarray(vector, dtype="<f2").tobytes()


def decode(blob: bytes, dim: int) -> np.ndarray:
    """float32 L2-normalised vector from stored bytes (a zero vector stays zero)."""
    vector = np.frombuffer(blob, dtype="<f2", count=dim).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    if norm > 0:
        vector /= norm
    return vector


def _current_model(embedder: Embedder | None = None) -> str | None:
    embedder = embedder if embedder is not None else get_embedder()
    return None if embedder is None else embedder.name


async def vectors_for(session: AsyncSession, expert_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """The stored vectors of these experts, made by the current model: ``{expert_id: float32 (dim,)}``,
    L2-normalised. Experts without one (not computed yet, embeddings off) are left out."""
    ids = sorted({int(i) for i in expert_ids})
    model = _current_model()
    if not ids or model is None:
        return {}
    out: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 5000):  # keeps the IN list within every backend's limits
        part = ids[start : start + 5000]
        rows = await session.execute(
            select(col(ExpertVector.expert_id), col(ExpertVector.dim), col(ExpertVector.vector)).where(
                col(ExpertVector.expert_id).in_(part), col(ExpertVector.model) == model
            )
        )
        for expert_id, dim, blob in rows:
            out[int(expert_id)] = decode(blob, dim)
    return out


async def stored_vectors(session: AsyncSession, expert_ids: Sequence[int]) -> dict[int, bytes]:
    """Raw float16 bytes of the current model's vectors (what the search engines are given)."""
    model = _current_model()
    if not expert_ids or model is None:
        return {}
    rows = await session.execute(
        select(col(ExpertVector.expert_id), col(ExpertVector.vector)).where(
            col(ExpertVector.expert_id).in_(list(expert_ids)), col(ExpertVector.model) == model
        )
    )
    return {int(expert_id): blob for expert_id, blob in rows}


class FillStats:
    """What one fill did: computed (new or changed), unchanged, deleted (expert gone)."""

    def __init__(self) -> None:
        self.computed: dict[int, np.ndarray] = {}
        self.unchanged = 0
        self.deleted: list[int] = []

    def __repr__(self) -> str:
        return f"FillStats(computed={len(self.computed)}, unchanged={self.unchanged}, deleted={len(self.deleted)})"


async def fill_vectors(
    session: AsyncSession, expert_ids: Sequence[int], *, embedder: Embedder | None = None
) -> FillStats | None:
    """Bring the stored vectors of ``expert_ids`` up to date in this session (the caller commits).

    Recomputes only the experts whose source hash changed (or whose vector was made by another
    model); deletes the vectors of experts that no longer exist. None when embeddings are off or
    the model is unavailable (nothing is written)."""
    embedder = embedder if embedder is not None else get_embedder()
    if embedder is None:
        return None
    stats = FillStats()
    ids = sorted({int(i) for i in expert_ids})
    for start in range(0, len(ids), FILL_CHUNK):
        part = ids[start : start + FILL_CHUNK]
        profiles = (
            await session.execute(
                select(col(Expert.id), col(Expert.specialties), col(Expert.bio), col(Expert.categories)).where(
                    col(Expert.id).in_(part)
                )
            )
        ).all()
        existing = {
            int(r.expert_id): r
            for r in (
                await session.execute(select(ExpertVector).where(col(ExpertVector.expert_id).in_(part)))
            ).scalars()
        }
        present = {int(p.id) for p in profiles}
        gone = [i for i in part if i not in present]
        if gone:
            await session.execute(delete(ExpertVector).where(col(ExpertVector.expert_id).in_(gone)))
            stats.deleted.extend(i for i in gone if i in existing)
        todo = []
        for p in profiles:
            text = profile_text(p.specialties or [], p.bio or "", p.categories or [])  # made once per expert
            row = existing.get(int(p.id))
            if (
                row is not None
                and row.source_hash == _profile_digest(embedder.name, text)
                and row.model == embedder.name
            ):
                stats.unchanged += 1
                continue
            todo.append((int(p.id), text))
        if not todo:
            continue
        vectors = profile_vectors([text for _, text in todo], embedder=embedder)
        if vectors is None:
            return None
        now = utcnow()
        for (expert_id, _), pv in zip(todo, vectors):
            row = existing.get(expert_id)
            if row is None:
                row = ExpertVector(expert_id=expert_id, model="", source_hash="", dim=0, vector=b"")
                session.add(row)
            row.model = embedder.name
            row.source_hash = pv.source_hash
            row.dim = int(pv.vector.shape[0])
            row.vector = encode(pv.vector)
            row.updated_at = now
            stats.computed[expert_id] = decode(row.vector, row.dim)
        await session.flush()
    return stats
