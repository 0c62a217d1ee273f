"""Retention API for the secretariat: what is due, and erasing a due consultation."""

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core.auth import ADMIN, Principal, access
from expertnet.core.deps import client_ip
from expertnet.retention import service
from expertnet.retention.schemas import DuePage


class RetentionController(Controller):
    path = "/api/v1/admin/retention"
    tags = ["admin"]

    @get("/", opt=access(ADMIN))
    async def due(
        self,
        db_session: AsyncSession,
        settings: Settings,
        offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> DuePage:
        """Closed consultations past their review date and not erased, oldest first, with the
        review period of each outcome and what the job does with them (`action`: flag or erase)."""
        return await service.due_page(db_session, settings, offset=offset, limit=limit)

    @post("/{consultation_id:int}/erase", opt=access(ADMIN), status_code=204)
    async def erase(self, request: Request, state: State, principal: Principal, consultation_id: int) -> None:
        """Erase a due consultation's case material now (messages, opinions, files, free text);
        a tombstone and an audit entry remain. 409 when it is not due or already erased."""
        await service.erase_by_admin(state.db, consultation_id, principal.id, client_ip(request))


ROUTES = [RetentionController]
