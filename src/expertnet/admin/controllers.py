from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.admin import service
from expertnet.admin.schemas import AuditPage, ChainOut, CoverageOut
from expertnet.core.auth import ADMIN, access
from expertnet.core.errors import field_error


class AdminReportsController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]

    @get("/coverage", opt=access(ADMIN))
    async def coverage(
        self, db_session: AsyncSession, few: Annotated[int, Parameter(ge=1, le=1000)] = service.DEFAULT_FEW
    ) -> CoverageOut:
        """Available experts per category and regional group, and languages with fewer than `few` of them."""
        return await service.coverage(db_session, few=few)

    @get("/audit", opt=access(ADMIN))
    async def audit_log(
        self,
        db_session: AsyncSession,
        actor_id: Annotated[int | None, Parameter(ge=1)] = None,
        action: Annotated[str | None, Parameter(max_length=60, pattern=r"^[a-z0-9_.]+$")] = None,
        object_type: Annotated[str | None, Parameter(max_length=40, pattern=r"^[a-z0-9_]+$")] = None,
        object_id: Annotated[str | None, Parameter(max_length=100)] = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> AuditPage:
        """Audit entries, newest first. `action` ending in "." matches a prefix (`vetting.`)."""
        if since and until and since >= until:
            raise field_error("until", "must be after since")
        return await service.audit_log(
            db_session,
            service.AuditFilter(actor_id, action, object_type, object_id, since, until),
            offset=offset,
            limit=limit,
        )

    @get("/audit/verify", opt=access(ADMIN))
    async def verify_chain(self, db_session: AsyncSession) -> ChainOut:
        """Recompute the hash chain: `intact` is false and `first_broken_id` set when a row was altered."""
        return await service.verify(db_session)


ROUTES = [AdminReportsController]
