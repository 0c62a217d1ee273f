"""The consultation desk in the browser: lists, offers, the ticket, closing, escalations (filing and
editing a request: `web/intake.py`).

Every page calls the desk's services (expertnet.consultations: intake, offers, tickets, reads,
attachments), which check object-level access and write the audit log. A denial raises
`Denied` (a 404) after the service kept its audit row past the rollback (`expertnet.db.keep`).
Pages that may route a request get the app's search client as the `search` dependency.
"""

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import File
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import attachments, intake, offers, reads, tickets
from expertnet.consultations.access import DEFAULT_REASON, Ctx, Denied
from expertnet.consultations.models import ASSIGNED_STATUSES, OPEN_STATUSES, SEEKING_STATUSES, OfferStatus, Status
from expertnet.consultations.schemas import (
    CloseIn,
    MessageIn,
    OpinionIn,
    ReasonIn,
    ReofferIn,
)
from expertnet.core.auth import ADMIN, EXPERT, MEMBER, OFFICIAL, Principal, access
from expertnet.core.deps import client_ip
from expertnet.core.errors import AppError, NotFound, field_error
from expertnet.members import service as members
from expertnet.search import AsyncSearch
from expertnet.web import i18n, notifications
from expertnet.web.common import (
    app_error_fields,
    field_errors,
    form_of,
    is_htmx,
    max_upload_mb,
    redirect,
    render,
    text,
    text_raw,
    uploaded_files,
)

PAGE_SIZE = 25
STATUS_PATTERN = "^(" + "|".join(s.value for s in Status) + ")?$"
CANDIDATE_PREVIEW = 5


def ctx_of(request: Request, principal: Principal) -> Ctx:
    return Ctx(principal=principal, ip=client_ip(request), reason=DEFAULT_REASON)


def _t(request: Request, message: str, **variables) -> str:
    return i18n.translate(i18n.locale_of(request), message, **variables)


# --------------------------------------------------------------------------- lists


@get("/consultations", opt=access(MEMBER))
async def consultation_list(
    request: Request,
    db_session: AsyncSession,
    principal: Principal,
    status: Annotated[str | None, Parameter(pattern=STATUS_PATTERN)] = None,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> Response:
    items, total = await reads.list_visible(
        db_session, ctx_of(request, principal), status=status or None, offset=offset, limit=PAGE_SIZE
    )
    return render(
        request,
        "consultations/list.html",
        {
            "items": items,
            "total": total,
            "status": status or "",
            "offset": offset,
            "limit": PAGE_SIZE,
            "statuses": list(Status),
        },
    )


@get("/offers", opt=access(EXPERT))
async def offers_page(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    return render(request, "consultations/offers.html", await _offers_context(request, db_session, principal))


async def _offers_context(request: Request, session: AsyncSession, principal: Principal) -> dict[str, Any]:
    ctx = ctx_of(request, principal)
    offers = await reads.expert_offers(session, ctx, OfferStatus.open)
    # The expert may read every consultation with an open offer: one list query gives their titles.
    summaries, _ = await reads.list_visible(session, ctx, status=None, offset=0, limit=200)
    by_id = {s.id: s for s in summaries}
    rows = [
        {"offer": o, "consultation": by_id.get(o.consultation_id)} for o in sorted(offers, key=lambda o: o.expires_at)
    ]
    return {"rows": rows, "offers_key": reads.offers_fingerprint([o.id for o in offers])}


@get("/admin/escalations", opt=access(ADMIN))
async def escalations_page(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    ctx = ctx_of(request, principal)
    escalated, total = await reads.list_visible(db_session, ctx, status=Status.escalated, offset=0, limit=100)
    return render(request, "consultations/escalations.html", {"items": escalated, "total": total})


# --------------------------------------------------------------------------- the consultation page


async def _detail_context(
    request: Request, session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> dict[str, Any]:
    ctx = ctx_of(request, principal)
    c = await reads.read(session, ctx, consultation_id)
    expert_id = await members.expert_id_of(session, principal.id) if principal.role == "expert" else None
    if principal.is_admin:
        role = "admin"
    elif c.requester_id == principal.id:
        role = "requester"
    elif expert_id is not None and c.assigned_expert_id == expert_id:
        role = "assigned"
    else:
        role = "offered"
    my_offer = (
        next((o for o in c.offers if o.expert_id == expert_id and o.status == OfferStatus.open), None)
        if expert_id
        else None
    )
    context: dict[str, Any] = {"c": c, "role": role, "my_offer": my_offer, "errors": {}, "form": {}}
    context["files"] = await attachments.list_attachments(session, ctx, consultation_id)
    if role != "offered":
        context["events"] = await reads.timeline(session, ctx, consultation_id)
        context["messages"] = await reads.messages(session, ctx, consultation_id)
        try:
            context["opinion"] = await reads.opinion(session, ctx, consultation_id)
        except Denied:
            raise
        except NotFound:
            context["opinion"] = None
    if (role == "requester" and c.status == Status.draft) or (role == "admin" and c.status in SEEKING_STATUSES):
        context["candidates"] = await intake.preview_candidates(
            session, search, ctx, consultation_id, CANDIDATE_PREVIEW
        )
    context["ticket_open"] = c.status in ASSIGNED_STATUSES
    context["can_withdraw"] = role == "requester" and c.status in OPEN_STATUSES
    context["seeking"] = c.status in SEEKING_STATUSES
    context["max_mb"] = max_upload_mb(request)
    from expertnet.web import objects as object_pages  # builds on this module: imported when used

    context.update(await object_pages.detail_context(request, session, ctx, consultation_id, role, c.status))
    return context


@get("/consultations/{consultation_id:int}", opt=access(MEMBER))
async def consultation_page(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    context = await _detail_context(request, db_session, search, principal, consultation_id)
    await notifications.seen_consultation(request, db_session, principal, consultation_id)
    return render(request, "consultations/detail.html", context)


async def _detail_with_errors(
    request: Request,
    session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    consultation_id: int,
    errors: dict[str, str],
    form: dict[str, Any],
    status: int = 400,
) -> Response:
    await session.rollback()
    context = await _detail_context(request, session, search, principal, consultation_id)
    context.update(errors=errors, form=form)
    return render(request, "consultations/detail.html", context, status_code=status)


async def _act(
    request: Request,
    session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    consultation_id: int,
    form: dict,
    call,
) -> Response | None:
    """Run a desk action; on a validation or state error show the page again with the message."""
    try:
        await call()
    except ValidationError as exc:
        return await _detail_with_errors(
            request, session, search, principal, consultation_id, field_errors(request, exc), form
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise
        return await _detail_with_errors(
            request, session, search, principal, consultation_id, app_error_fields(exc), form, exc.status_code
        )
    return None


@post("/consultations/{consultation_id:int}/submit", opt=access(OFFICIAL))
async def submit_request(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    try:
        count = min(10, max(1, int(text(data, "offer_count") or 3)))
    except ValueError:
        count = 3
    outcome: dict[str, Any] = {}

    async def go():
        c, offered = await intake.submit_counted(db_session, search, ctx_of(request, principal), consultation_id, count)
        outcome.update(status=c.status, offered=offered)

    failed = await _act(request, db_session, search, principal, consultation_id, data, go)
    if failed:
        return failed
    # The banner says what happened: offered to N experts, or passed to the secretariat.
    flash = "request_escalated" if outcome["status"] == Status.escalated else f"request_offered:{outcome['offered']}"
    return redirect(f"/consultations/{consultation_id}", flash=flash)


@post("/consultations/{consultation_id:int}/withdraw", opt=access(OFFICIAL))
async def withdraw_request(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)

    async def go():
        reason = ReasonIn(reason=text_raw(data, "reason").strip()).reason
        await offers.withdraw(db_session, ctx_of(request, principal), consultation_id, reason)

    failed = await _act(request, db_session, search, principal, consultation_id, data, go)
    return failed or redirect(f"/consultations/{consultation_id}", flash="withdrawn")


@post("/consultations/{consultation_id:int}/messages", opt=access(MEMBER))
async def post_message(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    ctx = ctx_of(request, principal)
    try:
        body = MessageIn(body=text_raw(data, "body").strip())
        await tickets.post_message(db_session, ctx, consultation_id, body.body)
    except (ValidationError, AppError) as exc:
        if isinstance(exc, AppError) and exc.status_code == 404:
            raise
        errors = field_errors(request, exc) if isinstance(exc, ValidationError) else app_error_fields(exc)
        if is_htmx(request):
            await db_session.rollback()
            items = await reads.messages(db_session, ctx, consultation_id)
            return render(
                request,
                "partials/messages.html",
                {
                    "messages": items,
                    "c_id": consultation_id,
                    "errors": errors,
                    "form": {"body": text_raw(data, "body")},
                    "ticket_open": True,
                    "can_write": True,
                },
                status_code=200,
            )
        return await _detail_with_errors(
            request, db_session, search, principal, consultation_id, errors, {"body": text_raw(data, "body")}
        )
    if is_htmx(request):
        items = await reads.messages(db_session, ctx, consultation_id)
        version, status, _ = await reads.live_state(db_session, ctx, consultation_id)
        return render(
            request,
            "partials/messages.html",
            {
                "messages": items,
                "c_id": consultation_id,
                "errors": {},
                "form": {},
                "ticket_open": True,
                "can_write": True,
                # The page's poller learns the new version: its next poll is not this message again.
                "live": {"version": version, "status": status},
            },
        )
    return redirect(f"/consultations/{consultation_id}#messages", flash="message_sent")


@post("/consultations/{consultation_id:int}/opinion", opt=access(EXPERT))
async def give_opinion(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    form = {
        name: text_raw(data, name).strip()
        for name in (
            "identification",
            "likely_origin",
            "likely_period",
            "authenticity",
            "confidence",
            "next_steps",
            "remarks",
        )
    }

    async def go():
        body = OpinionIn.model_validate(form)
        await tickets.give_opinion(db_session, ctx_of(request, principal), consultation_id, body)

    failed = await _act(request, db_session, search, principal, consultation_id, {**form, "opinion_form": True}, go)
    return failed or redirect(f"/consultations/{consultation_id}#opinion", flash="opinion_saved")


@post("/consultations/{consultation_id:int}/close", opt=access(OFFICIAL))
async def close_request(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    form = {
        "outcome": text(data, "outcome"),
        "outcome_detail": text_raw(data, "outcome_detail").strip(),
        "rating": text(data, "rating"),
    }

    async def go():
        body = CloseIn.model_validate(form)
        await tickets.close(db_session, ctx_of(request, principal), consultation_id, body)

    failed = await _act(request, db_session, search, principal, consultation_id, {**form, "close_form": True}, go)
    return failed or redirect(f"/consultations/{consultation_id}", flash="closed")


@post("/consultations/{consultation_id:int}/attachments", opt=access(MEMBER))
async def add_attachment(
    request: Request,
    db_session: AsyncSession,
    settings: Settings,
    search: AsyncSearch,
    principal: Principal,
    consultation_id: int,
) -> Response:
    form = await request.form()
    files = uploaded_files(form) if "attachments" in form else []
    single = form.get("file")
    if not files and isinstance(single, UploadFile) and single.filename:
        files = [single]

    async def go():
        if not files:
            raise field_error("attachments", _t(request, "Choose a file to attach."))
        for upload in files:
            try:
                await attachments.upload(db_session, settings, ctx_of(request, principal), consultation_id, upload)
            except AppError as exc:
                if exc.status_code == 404:
                    raise
                reason = app_error_fields(exc).get("file") or exc.detail
                raise field_error("attachments", f"{upload.filename}: {reason}") from None

    failed = await _act(request, db_session, search, principal, consultation_id, {}, go)
    return failed or redirect(f"/consultations/{consultation_id}#files", flash="attachment_added")


@get("/consultations/{consultation_id:int}/attachments/{attachment_id:int}", opt=access(MEMBER))
async def download_attachment(
    request: Request,
    db_session: AsyncSession,
    settings: Settings,
    principal: Principal,
    consultation_id: int,
    attachment_id: int,
) -> Response:
    attachment, path = await attachments.download(
        db_session, settings, ctx_of(request, principal), consultation_id, attachment_id
    )
    return File(
        path=path,
        filename=attachment.original_name,
        media_type=attachment.content_type,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'; sandbox"},
    )


@post("/consultations/{consultation_id:int}/reoffer", opt=access(ADMIN))
async def reoffer(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    form = {
        "expert_id": text(data, "expert_id"),
        "count": text(data, "count") or "3",
        "reason": text_raw(data, "reason").strip(),
        "override": text(data, "override"),
        "override_reason": text_raw(data, "override_reason").strip(),
    }

    async def go():
        body = ReofferIn.model_validate(
            {**form, "expert_id": form["expert_id"] or None, "override": form["override"] or None}
        )
        await offers.reoffer(db_session, search, ctx_of(request, principal), consultation_id, body)

    failed = await _act(request, db_session, search, principal, consultation_id, {**form, "reoffer_form": True}, go)
    return failed or redirect(f"/consultations/{consultation_id}", flash="reoffered")


# --------------------------------------------------------------------------- offers (experts)


async def _offers_with_error(
    request: Request, session: AsyncSession, principal: Principal, error: str, status: int
) -> Response:
    await session.rollback()
    context = await _offers_context(request, session, principal)
    return render(request, "consultations/offers.html", {**context, "error": error}, status_code=status)


@post("/offers/{offer_id:int}/accept", opt=access(EXPERT))
async def accept_offer(request: Request, db_session: AsyncSession, principal: Principal, offer_id: int) -> Response:
    try:
        c = await offers.accept_offer(db_session, ctx_of(request, principal), offer_id)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        message = (
            _t(
                request,
                "This consultation can no longer be accepted: another expert took it first, or the offer has expired.",
            )
            if exc.status_code == 409 and "capacity" not in exc.detail and "maximum" not in exc.detail
            else exc.detail
        )
        return await _offers_with_error(request, db_session, principal, message, exc.status_code)
    return redirect(f"/consultations/{c.id}", flash="offer_accepted")


@post("/offers/{offer_id:int}/decline", opt=access(EXPERT))
async def decline_offer(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, offer_id: int
) -> Response:
    data = await form_of(request)
    reason = text_raw(data, "reason").strip()
    if len(reason) < 3:
        return await _offers_with_error(
            request,
            db_session,
            principal,
            _t(
                request,
                "Please give a short reason for declining; it helps the desk offer the request to the right person.",
            ),
            400,
        )
    try:
        await offers.decline_offer(
            db_session, search, ctx_of(request, principal), offer_id, ReasonIn(reason=reason).reason
        )
    except ValidationError as exc:
        return await _offers_with_error(
            request, db_session, principal, i18n.Translated("; ".join(field_errors(request, exc).values())), 400
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise
        return await _offers_with_error(request, db_session, principal, exc.detail, exc.status_code)
    return redirect("/offers", flash="offer_declined")


ROUTES = [
    consultation_list,
    offers_page,
    escalations_page,
    consultation_page,
    submit_request,
    withdraw_request,
    post_message,
    give_opinion,
    close_request,
    add_attachment,
    download_attachment,
    reoffer,
    accept_offer,
    decline_offer,
]
