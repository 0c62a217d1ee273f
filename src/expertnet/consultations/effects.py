"""What every change of the desk writes beside itself, in the same transaction: the timeline event,
the "index.consultation" / "index.expert" announcements for the search indexer, and a "notify"
event when someone must act or be told. All of it leaves through the outbox, so a rollback takes
it back with the change.
"""

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import repository
from expertnet.consultations.models import Consultation, ConsultationEvent
from expertnet.core import outbox
from expertnet.db import utcnow
from expertnet.core.models import pk


def event(session: AsyncSession, consultation_id: int, actor_id: int | None, kind: str, **detail) -> None:
    repository.add_later(
        session, ConsultationEvent(consultation_id=consultation_id, actor_id=actor_id, kind=kind, detail=detail)
    )


def changed(session: AsyncSession, c: Consultation) -> None:
    c.updated_at = utcnow()
    c.version += 1
    outbox.emit(session, "index.consultation", pk(c))


def notify(
    session: AsyncSession, c: Consultation, kind: str, member_ids: Iterable[int | None], subject: str, body: str
) -> None:
    ids = sorted({i for i in member_ids if i})
    if not ids:
        return
    outbox.emit(
        session,
        "notify",
        pk(c),
        {
            "member_ids": ids,
            "kind": kind,
            "consultation_id": c.id,
            "subject": subject,
            "body": body,
            "url": f"/consultations/{c.id}",
        },
    )


def label(c: Consultation) -> str:
    # Notifications leave the system (e-mail): no case details beyond the number and urgency.
    return f"Consultation #{c.id} ({c.urgency})"


async def expert_members(session: AsyncSession, expert_ids: Iterable[int | None]) -> list[int]:
    """The member ids of these experts (notifications go to members)."""
    return list((await repository.expert_member_ids(session, [i for i in expert_ids if i])).values())


async def bump_experts(session: AsyncSession, expert_ids: Iterable[int], **deltas: int) -> None:
    """Atomic counter changes on experts (never read-modify-write), announced to the indexer."""
    for expert_id in await repository.bump_experts(session, expert_ids, **deltas):
        outbox.emit(session, "index.expert", expert_id)


async def release_expert(session: AsyncSession, expert_id: int) -> None:
    """The expert has one open consultation less (closed or withdrawn)."""
    await repository.release_capacity(session, expert_id)
    outbox.emit(session, "index.expert", expert_id)
