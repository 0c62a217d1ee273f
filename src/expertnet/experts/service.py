from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core import outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, NotFound
from expertnet.db import utcnow
from expertnet.experts.models import Expert
from expertnet.experts.schemas import ExpertOut, ExpertProfileUpdate
from expertnet.members.models import Member
from expertnet.members.service import is_current


def to_out(expert: Expert, member: Member) -> ExpertOut:
    return ExpertOut(
        id=expert.id,
        external_id=expert.external_id,
        member_id=member.id,
        full_name=member.full_name,
        email=member.email,
        organisation=expert.organisation,
        org_type=expert.org_type,
        country=expert.country,
        coverage_countries=expert.coverage_countries,
        languages=expert.languages,
        categories=expert.categories,
        specialties=expert.specialties,
        bio=expert.bio,
        available=expert.available,
        away_until=expert.away_until,
        max_open_consultations=expert.max_open_consultations,
        open_consultations=expert.open_consultations,
        market_ties=expert.market_ties,
        market_ties_detail=expert.market_ties_detail,
        conflicts=expert.conflicts,
        vetting_status=member.vetting_status,
        vetted_until=member.vetted_until,
        version=expert.version,
        updated_at=expert.updated_at,
    )


async def _load(session: AsyncSession, where, *, for_update: bool = False) -> tuple[Expert, Member]:
    query = select(Expert, Member).join(Member, Member.id == Expert.member_id).where(where)
    if for_update:
        query = query.with_for_update(of=Expert)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise NotFound("expert not found")
    return row[0], row[1]


async def get_visible(session: AsyncSession, principal: Principal, expert_id: int) -> ExpertOut:
    """Officials see approved, current experts only; admins see every profile; experts their own."""
    expert, member = await _load(session, Expert.id == expert_id)
    if not principal.is_admin and member.id != principal.id and not is_current(member):
        raise NotFound("expert not found")
    return to_out(expert, member)


async def get_own(session: AsyncSession, principal: Principal) -> ExpertOut:
    expert, member = await _load(session, Expert.member_id == principal.id)
    return to_out(expert, member)


async def update_own(session: AsyncSession, principal: Principal, data: ExpertProfileUpdate) -> ExpertOut:
    expert, member = await _load(session, Expert.member_id == principal.id, for_update=True)
    if data.version != expert.version:
        raise Conflict("version: the profile was changed elsewhere; reload and try again")
    for name, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(expert, name, value)
    expert.version += 1
    expert.updated_at = utcnow()
    outbox.emit(session, "index.expert", expert.id)
    return to_out(expert, member)
