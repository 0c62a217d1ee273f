"""Audit log: who read or changed what, when and why. Append-only with a hash chain."""
import hashlib
import json

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.models import AuditEntry
from expertnet.db import utcnow

_GENESIS = "0" * 64


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "at": entry.at.isoformat(),
            "actor": entry.actor_id,
            "action": entry.action,
            "type": entry.object_type,
            "id": entry.object_id,
            "reason": entry.reason,
            "ip": entry.ip,
            "detail": entry.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    ip: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Serialise writers of the chain so that no two rows share a predecessor.
        await session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    prev = (
        await session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    ).scalar_one_or_none() or _GENESIS
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason[:1000],
        ip=ip[:64],
        detail=json.loads(json.dumps(detail or {}, default=str)),
        prev_hash=prev,
    )
    entry.hash = _digest(prev, entry)
    session.add(entry)
    await session.flush()
    return entry


async def verify_chain(session: AsyncSession) -> tuple[bool, int | None]:
    """(intact, id of the first broken row)."""
    prev = _GENESIS
    result = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id))
    async for entry in result:
        if entry.prev_hash != prev or _digest(prev, entry) != entry.hash:
            return False, entry.id
        prev = entry.hash
    return True, None
