"""HTTP API of the consultation desk (/api/v1/consultations, /api/v1/offers).

Object-level denials answer 404 and are written to the audit log. The handler's transaction would
roll the audit row back with the error, so `guarded` turns a denial into a normal 404 response
after recording it: the request's session then commits the audit row and nothing else.
"""
from collections.abc import Awaitable
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, patch, post
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
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

Reason = Annotated[
    str,
    Parameter(max_length=500, description="why you read this (written to the audit log)"),
]
STATUS_PATTERN = "^(" + "|".join(s.value for s in Status) + ")$"
OFFER_STATUS_PATTERN = "^(" + "|".join(s.value for s in OfferStatus) + ")$"


def ctx_of(request: Request, principal: Principal, reason: str = service.DEFAULT_REASON) -> service.Ctx:
    return service.Ctx(principal=principal, ip=client_ip(request), reason=(reason or service.DEFAULT_REASON).strip()[:500])


async def denied_response(db_session: AsyncSession, ctx: service.Ctx, denied: service.Denied) -> Response:
    """Roll back whatever the handler did, record the denial, answer 404 (the session commits)."""
    await db_session.rollback()
    await service.record_denial(db_session, ctx, denied)
    return Response({"status_code": 404, "detail": denied.detail}, status_code=404, media_type=MediaType.JSON)


async def guarded(db_session: AsyncSession, ctx: service.Ctx, call: Awaitable[Any], status_code: int = 200) -> Response:
    """Run a service call; a denial becomes an audited 404 (committed), anything else propagates."""
    try:
        result = await call
    except service.Denied as denied:
        return await denied_response(db_session, ctx, denied)
    return Response(result, status_code=status_code)


class ConsultationController(Controller):
    path = "/api/v1/consultations"
    tags = ["consultations"]

    @post("/", opt=access(OFFICIAL), status_code=201)
    async def create(self, request: Request, db_session: AsyncSession, principal: Principal, data: ConsultationCreate) -> ConsultationOut:
        """File a consultation request as a draft (preview the candidates, then submit)."""
        ctx = ctx_of(request, principal)
        c = await service.create_draft(db_session, ctx, data)
        return await service.out_for(db_session, ctx, c)

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
        items, total = await service.list_visible(
            db_session, ctx_of(request, principal, reason), status=status, offset=offset, limit=limit
        )
        return ConsultationPage(items=items, total=total, offset=offset, limit=limit)

    @get("/{consultation_id:int}", opt=access(MEMBER))
    async def read(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> Response[ConsultationOut]:
        ctx = ctx_of(request, principal, reason)
        return await guarded(db_session, ctx, service.read(db_session, ctx, consultation_id))

    @patch("/{consultation_id:int}", opt=access(OFFICIAL))
    async def update(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: ConsultationUpdate
    ) -> Response[ConsultationOut]:
        """Edit a draft; send the `version` you read (a stale edit gets 409)."""
        ctx = ctx_of(request, principal)

        async def go():
            return await service.out_for(db_session, ctx, await service.update_draft(db_session, ctx, consultation_id, data))

        return await guarded(db_session, ctx, go())

    @get("/{consultation_id:int}/candidates", opt=access(OFFICIAL))
    async def candidates(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, consultation_id: int,
        top: Annotated[int, Parameter(ge=1, le=50)] = 10,
        reason: Reason = service.DEFAULT_REASON,
    ) -> Response[list[CandidateOut]]:
        """The ranked candidates with their reasons: who would get the offers on submit."""
        ctx = ctx_of(request, principal, reason)

        async def go():
            found = await service.preview_candidates(db_session, settings, ctx, consultation_id, top)
            return [CandidateOut(expert_id=c.expert_id, external_id=c.external_id, full_name=c.full_name,
                                 score=c.score, reasons=c.reasons) for c in found]

        return await guarded(db_session, ctx, go())

    @post("/{consultation_id:int}/submit", opt=access(OFFICIAL), status_code=200)
    async def submit(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, consultation_id: int,
        data: Annotated[SubmitIn | None, Body()] = None,
    ) -> Response[ConsultationOut]:
        """Submit the draft: it is offered to the top candidates at once (default 3)."""
        ctx = ctx_of(request, principal)
        count = data.offer_count if data else 3

        async def go():
            return await service.out_for(db_session, ctx, await service.submit(db_session, settings, ctx, consultation_id, count))

        return await guarded(db_session, ctx, go())

    @post("/{consultation_id:int}/withdraw", opt=access(OFFICIAL), status_code=200)
    async def withdraw(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int,
        data: Annotated[ReasonIn | None, Body()] = None,
    ) -> Response[ConsultationOut]:
        ctx = ctx_of(request, principal)

        async def go():
            c = await service.withdraw(db_session, ctx, consultation_id, data.reason if data else "")
            return await service.out_for(db_session, ctx, c)

        return await guarded(db_session, ctx, go())

    @post("/{consultation_id:int}/reoffer", opt=access(ADMIN), status_code=200)
    async def reoffer(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, consultation_id: int,
        data: ReofferIn,
    ) -> Response[ConsultationOut]:
        """Admins: offer a waiting or escalated request to a chosen expert, or to the next candidates."""
        ctx = ctx_of(request, principal)

        async def go():
            c = await service.reoffer(db_session, settings, ctx, consultation_id, data)
            return await service.out_for(db_session, ctx, c)

        return await guarded(db_session, ctx, go())

    @get("/{consultation_id:int}/timeline", opt=access(MEMBER))
    async def timeline(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> Response[list[EventOut]]:
        ctx = ctx_of(request, principal, reason)
        return await guarded(db_session, ctx, service.timeline(db_session, ctx, consultation_id))

    @get("/{consultation_id:int}/messages", opt=access(MEMBER))
    async def messages(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> Response[list[MessageOut]]:
        ctx = ctx_of(request, principal, reason)
        return await guarded(db_session, ctx, service.messages(db_session, ctx, consultation_id))

    @post("/{consultation_id:int}/messages", opt=access(MEMBER), status_code=201)
    async def post_message(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: MessageIn
    ) -> Response[MessageOut]:
        ctx = ctx_of(request, principal)

        async def go():
            message = await service.post_message(db_session, ctx, consultation_id, data.body)
            return service.message_out(message, principal.full_name)

        return await guarded(db_session, ctx, go(), status_code=201)

    @get("/{consultation_id:int}/opinion", opt=access(MEMBER))
    async def opinion(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> Response[OpinionOut | None]:
        """The assigned expert's latest opinion (null while none has been given)."""
        ctx = ctx_of(request, principal, reason)
        return await guarded(db_session, ctx, service.opinion(db_session, ctx, consultation_id))

    @post("/{consultation_id:int}/opinion", opt=access(EXPERT), status_code=201)
    async def give_opinion(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: OpinionIn
    ) -> Response[OpinionOut]:
        """The assigned expert's structured opinion (a later one revises it)."""
        ctx = ctx_of(request, principal)

        async def go():
            return service.opinion_out(await service.give_opinion(db_session, ctx, consultation_id, data))

        return await guarded(db_session, ctx, go(), status_code=201)

    @post("/{consultation_id:int}/close", opt=access(OFFICIAL), status_code=200)
    async def close(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: CloseIn
    ) -> Response[ConsultationOut]:
        """Close with an outcome and a rating of the expert's help (1-5)."""
        ctx = ctx_of(request, principal)

        async def go():
            return await service.out_for(db_session, ctx, await service.close(db_session, ctx, consultation_id, data))

        return await guarded(db_session, ctx, go())


class OfferController(Controller):
    path = "/api/v1/offers"
    tags = ["consultations"]

    @get("/", opt=access(EXPERT))
    async def list_offers(
        self, request: Request, db_session: AsyncSession, principal: Principal,
        status: Annotated[str | None, Parameter(pattern=OFFER_STATUS_PATTERN)] = OfferStatus.open.value,
        reason: Reason = service.DEFAULT_REASON,
    ) -> list[OfferOut]:
        """Your offers (open ones by default)."""
        return await service.expert_offers(db_session, ctx_of(request, principal, reason), status)

    @post("/{offer_id:int}/accept", opt=access(EXPERT), status_code=200)
    async def accept(self, request: Request, db_session: AsyncSession, principal: Principal, offer_id: int) -> Response[ConsultationOut]:
        """Take the consultation. The first expert to accept wins; the others get 409."""
        ctx = ctx_of(request, principal)

        async def go():
            return await service.out_for(db_session, ctx, await service.accept_offer(db_session, ctx, offer_id))

        return await guarded(db_session, ctx, go())

    @post("/{offer_id:int}/decline", opt=access(EXPERT), status_code=200)
    async def decline(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, offer_id: int,
        data: Annotated[ReasonIn | None, Body()] = None,
    ) -> Response[OfferOut]:
        ctx = ctx_of(request, principal)

        async def go():
            offer = await service.decline_offer(db_session, settings, ctx, offer_id, data.reason if data else "")
            return await service.offer_out(db_session, offer.id)

        return await guarded(db_session, ctx, go())


ROUTES = [ConsultationController, OfferController]
