"""What the start page shows of the consultation desk, per role (through the desk's services)."""

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import service
from expertnet.consultations.models import OfferStatus, Status
from expertnet.core.auth import Principal

RECENT = 5


async def dashboard_context(session: AsyncSession, principal: Principal, ip: str = "") -> dict:
    ctx = service.Ctx(principal=principal, ip=ip, reason="dashboard")
    if principal.role == "expert":
        offers = await service.expert_offers(session, ctx, OfferStatus.open)
        active, active_total = await service.list_visible(session, ctx, status=Status.accepted, offset=0, limit=RECENT)
        return {
            "open_offers": sorted(offers, key=lambda o: o.expires_at),
            "active": active,
            "active_total": active_total,
        }
    recent, total = await service.list_visible(session, ctx, status=None, offset=0, limit=RECENT)
    context = {"recent": recent, "recent_total": total}
    if principal.is_admin:
        _, context["escalated_count"] = await service.list_visible(
            session, ctx, status=Status.escalated, offset=0, limit=1
        )
    return context
