"""Who may see and do what on a consultation (object level), and the audit rows of reads and changes.

Route-level access (official, expert, admin) is the policy table's job (core.auth); here each
consultation decides: its requester, the assigned expert, an expert with an open offer, an admin.
Anyone else gets `Denied`, a 404 whether the row exists or not, and the denial is written to the
audit log with `db.keep`, so that it survives the rollback the error causes.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import repository
from expertnet.consultations.models import Consultation, Offer
from expertnet.core import audit
from expertnet.core.auth import Principal
from expertnet.core.errors import NotFound
from expertnet.db import keep
from expertnet.experts.models import Expert
from expertnet.members.models import Role
from expertnet.core.models import pk

DEFAULT_REASON = "case work"

REQUESTER = "requester"
ASSIGNED = "assigned"  # the expert who accepted
OFFERED = "offered"  # an expert with an open offer
ADMIN = "admin"


@dataclass(frozen=True)
class Ctx:
    """Who acts, from where, and why (the `reason` of a read goes to the audit log)."""

    principal: Principal
    ip: str = ""
    reason: str = DEFAULT_REASON


class Denied(NotFound):
    """The principal may not see this consultation (or offer, attachment): a 404, whether the row
    exists or not. Raise it through `deny`, which keeps the denial's audit entry past the rollback."""

    def __init__(self, object_type: str = "consultation"):
        super().__init__(f"{object_type} not found")


async def deny(
    session: AsyncSession, ctx: Ctx, object_id: int | str, action: str, object_type: str = "consultation"
) -> Denied:
    async def write(s: AsyncSession) -> None:
        await audit.record(
            s,
            "consultation.denied",
            actor_id=ctx.principal.id,
            object_type=object_type,
            object_id=object_id,
            reason=ctx.reason,
            ip=ctx.ip,
            detail={"action": action, "role": ctx.principal.role},
        )

    await keep(session, write)
    return Denied(object_type)


async def audit_read(session: AsyncSession, ctx: Ctx, consultation_id: int, part: str, **detail) -> None:
    await audit.record(
        session,
        "consultation.read",
        actor_id=ctx.principal.id,
        object_type="consultation",
        object_id=consultation_id,
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"part": part, **detail},
    )


async def audit_change(session: AsyncSession, ctx: Ctx | None, consultation_id: int, action: str, **detail) -> None:
    await audit.record(
        session,
        f"consultation.{action}",
        actor_id=ctx.principal.id if ctx else None,
        object_type="consultation",
        object_id=consultation_id,
        reason=ctx.reason if ctx else "",
        ip=ctx.ip if ctx else "",
        detail=detail,
    )


@dataclass
class Access:
    consultation: Consultation
    role: str
    expert: Expert | None = None
    offer: Offer | None = None


async def own_expert(session: AsyncSession, principal: Principal) -> Expert | None:
    if principal.role != Role.expert:
        return None
    return await repository.expert_of_member(session, principal.id)


async def access(
    session: AsyncSession,
    ctx: Ctx,
    consultation_id: int,
    action: str,
    *,
    roles: Iterable[str] = (REQUESTER, ASSIGNED, OFFERED, ADMIN),
    for_update: bool = False,
) -> Access:
    """Object-level authorization: requester, assigned expert, expert with an open offer, admin.
    Anyone else - and anyone outside `roles` - gets Denied (404), whether the row exists or not.
    `for_update` locks the consultation row first (the desk's lock order starts there)."""
    roles = set(roles)
    c = await repository.get(session, consultation_id, for_update=for_update)
    if c is None:
        raise await deny(session, ctx, consultation_id, action)
    p = ctx.principal
    if p.is_admin:
        if ADMIN in roles:
            return Access(c, ADMIN)
        raise await deny(session, ctx, consultation_id, action)
    if c.requester_id == p.id:
        if REQUESTER in roles:
            return Access(c, REQUESTER)
        raise await deny(session, ctx, consultation_id, action)
    expert = await own_expert(session, p)
    if expert is not None:
        if c.assigned_expert_id == expert.id and ASSIGNED in roles:
            return Access(c, ASSIGNED, expert)
        if OFFERED in roles and c.assigned_expert_id != expert.id:
            offer = await repository.open_offer(session, pk(c), pk(expert))
            if offer is not None:
                return Access(c, OFFERED, expert, offer)
    raise await deny(session, ctx, consultation_id, action)


async def acting_role(session: AsyncSession, ctx: Ctx, c: Consultation) -> tuple[str, Expert | None]:
    """The role of a principal who just changed `c` (their access was checked by the change)."""
    expert = await own_expert(session, ctx.principal)
    if ctx.principal.is_admin:
        return ADMIN, expert
    if c.requester_id == ctx.principal.id:
        return REQUESTER, expert
    return (ASSIGNED if expert is not None and c.assigned_expert_id == expert.id else OFFERED), expert
