from litestar import Controller, get, put
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.auth import APPLICANT, MEMBER, Principal, access
from expertnet.experts import service
from expertnet.experts.schemas import ExpertOut, ExpertProfileUpdate


class ExpertProfileController(Controller):
    path = "/api/v1/experts"
    tags = ["experts"]

    @get("/me", opt=access(APPLICANT, read_only=True))
    async def own_profile(self, db_session: AsyncSession, principal: Principal) -> ExpertOut:
        return await service.get_own(db_session, principal)

    @put("/me", opt=access(APPLICANT))
    async def update_own_profile(
        self, db_session: AsyncSession, principal: Principal, data: ExpertProfileUpdate
    ) -> ExpertOut:
        """Edit your own profile and availability; send the `version` you read (a stale edit gets 409)."""
        return await service.update_own(db_session, principal, data)

    @get("/{expert_id:int}", opt=access(MEMBER, read_only=True))
    async def get_expert(self, db_session: AsyncSession, principal: Principal, expert_id: int) -> ExpertOut:
        return await service.get_visible(db_session, principal, expert_id)
