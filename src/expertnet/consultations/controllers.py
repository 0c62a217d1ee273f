"""HTTP API of the consultation desk (/api/v1/consultations, /api/v1/offers).

Each handler makes one call to the desk's service and returns its schema. Object-level denials
answer 404 and are written to the audit log: the service keeps the audit row past the request's
rollback (`expertnet.db.keep`). Routing handlers get the app's search client as the `search`
dependency.
"""

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import service
from expertnet.consultations.models import OfferStatus, Status
from expertnet.consultations.schemas import (
    CandidateOut,
    CloseIn,
    ConsultationCreate,
    ConsultationOut,
    ConsultationPage,
    ConsultationUpdate,
    EventOut,
    MessageIn,
    MessageOut,
    OfferOut,
    OpinionIn,
    OpinionOut,
    ReasonIn,
    ReofferIn,
    SubmitIn,
)
from expertnet.core.auth import ADMIN, EXPERT, MEMBER, OFFICIAL, Principal, access
from expertnet.core.deps import client_ip
from expertnet.search import AsyncSearch

Reason = Annotated[
    str,
    Parameter(max_length=500, description="why you read this (written to the audit log)"),
]
STATUS_PATTERN = "^(" + "|".join(s.value for s in Status) + ")$"
OFFER_STATUS_PATTERN = "^(" + "|".join(s.value for s in OfferStatus) + ")$"


def ctx_of(request: Request, principal: Principal, reason: str = service.DEFAULT_REASON) -> service.Ctx:
    return service.Ctx(
        principal=principal, ip=client_ip(request), reason=(reason or service.DEFAULT_REASON).strip()[:500]
    )


class ConsultationController(Controller):
    path = "/api/v1/consultations"
    tags = ["consultations"]

    @post("/", opt=access(OFFICIAL), status_code=201)
    async def create(
        self, request: Request, db_session: AsyncSession, principal: Principal, data: ConsultationCreate
    ) -> ConsultationOut:
        """File a consultation request as a draft (preview the candidates, then submit)."""
        return await service.create(db_session, ctx_of(request, principal), data)

    @get("/", opt=access(MEMBER))
    async def list_consultations(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        status: Annotated[str | None, Parameter(pattern=STATUS_PATTERN)] = None,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        reason: Reason = service.DEFAULT_REASON,
    ) -> ConsultationPage:
        """Officials see their own requests, experts those offered or assigned to them, admins all."""
        return await service.page(
            db_session, ctx_of(request, principal, reason), status=status, offset=offset, limit=limit
        )

    @get("/{consultation_id:int}", opt=access(MEMBER))
    async def read(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> ConsultationOut:
        return await service.read(db_session, ctx_of(request, principal, reason), consultation_id)

    @patch("/{consultation_id:int}", opt=access(OFFICIAL))
    async def update(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        data: ConsultationUpdate,
    ) -> ConsultationOut:
        """Edit a draft; send the `version` you read (a stale edit gets 409)."""
        return await service.update(db_session, ctx_of(request, principal), consultation_id, data)

    @get("/{consultation_id:int}/candidates", opt=access(OFFICIAL))
    async def candidates(
        self,
        request: Request,
        db_session: AsyncSession,
        search: AsyncSearch,
        principal: Principal,
        consultation_id: int,
        top: Annotated[int, Parameter(ge=1, le=50)] = 10,
        reason: Reason = service.DEFAULT_REASON,
    ) -> list[CandidateOut]:
        """The ranked candidates with their reasons: who would get the offers on submit."""
        return await service.candidates(db_session, search, ctx_of(request, principal, reason), consultation_id, top)

    @post("/{consultation_id:int}/submit", opt=access(OFFICIAL), status_code=200)
    async def submit(
        self,
        request: Request,
        db_session: AsyncSession,
        search: AsyncSearch,
        principal: Principal,
        consultation_id: int,
        data: Annotated[SubmitIn | None, Body()] = None,
    ) -> ConsultationOut:
        """Submit the draft: it is offered to the top candidates at once (default 3)."""
        return await service.submit(db_session, search, ctx_of(request, principal), consultation_id, data)

    @post("/{consultation_id:int}/withdraw", opt=access(OFFICIAL), status_code=200)
    async def withdraw(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        data: Annotated[ReasonIn | None, Body()] = None,
    ) -> ConsultationOut:
        return await service.withdraw(db_session, ctx_of(request, principal), consultation_id, data)

    @post("/{consultation_id:int}/reoffer", opt=access(ADMIN), status_code=200)
    async def reoffer(
        self,
        request: Request,
        db_session: AsyncSession,
        search: AsyncSearch,
        principal: Principal,
        consultation_id: int,
        data: ReofferIn,
    ) -> ConsultationOut:
        """Admins: offer a waiting or escalated request to a chosen expert, or to the next candidates."""
        return await service.reoffer(db_session, search, ctx_of(request, principal), consultation_id, data)

    @get("/{consultation_id:int}/timeline", opt=access(MEMBER))
    async def timeline(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> list[EventOut]:
        return await service.timeline(db_session, ctx_of(request, principal, reason), consultation_id)

    @get("/{consultation_id:int}/messages", opt=access(MEMBER))
    async def messages(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> list[MessageOut]:
        return await service.messages(db_session, ctx_of(request, principal, reason), consultation_id)

    @post("/{consultation_id:int}/messages", opt=access(MEMBER), status_code=201)
    async def post_message(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: MessageIn
    ) -> MessageOut:
        return await service.post_message(db_session, ctx_of(request, principal), consultation_id, data)

    @get("/{consultation_id:int}/opinion", opt=access(MEMBER))
    async def opinion(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> OpinionOut | None:
        """The assigned expert's latest opinion (null while none has been given)."""
        return await service.opinion(db_session, ctx_of(request, principal, reason), consultation_id)

    @post("/{consultation_id:int}/opinion", opt=access(EXPERT), status_code=201)
    async def give_opinion(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: OpinionIn
    ) -> OpinionOut:
        """The assigned expert's structured opinion (a later one revises it)."""
        return await service.give_opinion(db_session, ctx_of(request, principal), consultation_id, data)

    @post("/{consultation_id:int}/close", opt=access(OFFICIAL), status_code=200)
    async def close(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: CloseIn
    ) -> ConsultationOut:
        """Close with an outcome and a rating of the expert's help (1-5)."""
        return await service.close(db_session, ctx_of(request, principal), consultation_id, data)


class OfferController(Controller):
    path = "/api/v1/offers"
    tags = ["consultations"]

    @get("/", opt=access(EXPERT))
    async def list_offers(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        status: Annotated[str | None, Parameter(pattern=OFFER_STATUS_PATTERN)] = OfferStatus.open.value,
        reason: Reason = service.DEFAULT_REASON,
    ) -> list[OfferOut]:
        """Your offers (open ones by default)."""
        return await service.expert_offers(db_session, ctx_of(request, principal, reason), status)

    @post("/{offer_id:int}/accept", opt=access(EXPERT), status_code=200)
    async def accept(
        self, request: Request, db_session: AsyncSession, principal: Principal, offer_id: int
    ) -> ConsultationOut:
        """Take the consultation. The first expert to accept wins; the others get 409."""
        return await service.accept(db_session, ctx_of(request, principal), offer_id)

    @post("/{offer_id:int}/decline", opt=access(EXPERT), status_code=200)
    async def decline(
        self,
        request: Request,
        db_session: AsyncSession,
        search: AsyncSearch,
        principal: Principal,
        offer_id: int,
        data: Annotated[ReasonIn | None, Body()] = None,
    ) -> OfferOut:
        return await service.decline(db_session, search, ctx_of(request, principal), offer_id, data)


ROUTES = [ConsultationController, OfferController]
