"""Expert profiles: reading them as members may, editing one's own, and the profile side of an
expert member's account (`PROFILES`, handed to members in app.py)."""

from uuid import uuid4

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core import outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, NotFound, field_error
from expertnet.db import utcnow
from expertnet.experts import repository
from expertnet.experts.models import Expert
from expertnet.experts.schemas import ExpertOut, ExpertProfileUpdate
from expertnet.members.models import Member
from expertnet.members.schemas import ExpertApplication
from sqlmodel import col
from expertnet.core.models import pk

INDEX_TOPIC = "index.expert"
VECTORS_TOPIC = "vectors.expert"  # follow-up of index.expert: the dense vectors, after the words


def to_out(expert: Expert, member: Member) -> ExpertOut:
    """The profile with the person's name, e-mail and vetting, which the member row holds."""
    person = {
        "full_name": member.full_name,
        "email": member.email,
        "vetting_status": member.vetting_status,
        "vetted_until": member.vetted_until,
    }
    return ExpertOut.model_validate(expert.model_dump() | person)


async def _load(
    session: AsyncSession, where: ColumnElement[bool], *, for_update: bool = False
) -> tuple[Expert, Member]:
    found = await repository.with_member(session, where, for_update=for_update)
    if found is None:
        raise NotFound("expert not found")
    return found


async def get_visible(session: AsyncSession, principal: Principal, expert_id: int) -> ExpertOut:
    """Officials see approved, current experts only; admins see every profile; experts their own."""
    expert, member = await _load(session, col(Expert.id) == expert_id)
    if not principal.is_admin and member.id != principal.id and not member.vetting_current:
        raise NotFound("expert not found")
    return to_out(expert, member)


async def get_own(session: AsyncSession, principal: Principal) -> ExpertOut:
    return to_out(*await _load(session, col(Expert.member_id) == principal.id))


async def update_own(session: AsyncSession, principal: Principal, data: ExpertProfileUpdate) -> ExpertOut:
    expert, member = await _load(session, col(Expert.member_id) == principal.id, for_update=True)
    if data.version != expert.version:
        raise Conflict("version: the profile was changed elsewhere; reload and try again")
    for name, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(expert, name, value)
    expert.version += 1
    expert.updated_at = utcnow()
    outbox.emit(session, INDEX_TOPIC, pk(expert))
    return to_out(expert, member)


class _Profiles:
    """members.service.ExpertProfiles: the profile side of an expert member's account."""

    async def open(self, session: AsyncSession, member: Member, application: ExpertApplication) -> int:
        if member.country is None:
            raise field_error("country", "is required for an expert profile")
        expert = Expert(
            **application.model_dump(),
            member_id=pk(member),
            external_id=f"EN-{uuid4().hex[:12].upper()}",
            organisation=member.organisation,
            country=member.country,
            languages=member.languages,
        )
        session.add(expert)
        await session.flush()
        outbox.emit(session, INDEX_TOPIC, pk(expert))
        return pk(expert)

    async def id_of(self, session: AsyncSession, member_id: int) -> int | None:
        return await repository.id_of_member(session, member_id)

    async def changed(self, session: AsyncSession, member_id: int) -> None:
        expert_id = await repository.id_of_member(session, member_id)
        if expert_id:
            outbox.emit(session, INDEX_TOPIC, expert_id)


PROFILES = _Profiles()
