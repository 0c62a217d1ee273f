from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.auth import APPLICANT, Principal, access
from expertnet.notifications import service
from expertnet.notifications.schemas import NotificationOut, NotificationPage, ReadAllOut


class NotificationController(Controller):
    """A member's own notifications. Applicants too: they learn the outcome of their vetting here."""

    path = "/api/v1/notifications"
    tags = ["notifications"]

    @get("/", opt=access(APPLICANT))
    async def list_notifications(
        self,
        db_session: AsyncSession,
        principal: Principal,
        unread: bool = False,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> NotificationPage:
        """Newest first, with the number of unread notifications (for the badge)."""
        return await service.page(db_session, principal, unread_only=unread, offset=offset, limit=limit)

    @post("/{notification_id:int}/read", opt=access(APPLICANT), status_code=200)
    async def mark_read(self, db_session: AsyncSession, principal: Principal, notification_id: int) -> NotificationOut:
        return await service.read_one(db_session, principal, notification_id)

    @post("/read-all", opt=access(APPLICANT), status_code=200)
    async def mark_all_read(self, db_session: AsyncSession, principal: Principal) -> ReadAllOut:
        return await service.read_all(db_session, principal)


ROUTES = [NotificationController]
