"""Secretariat pages: vetting queue and decisions, escalations, coverage, audit log, retention."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.admin import service as admin_service
from expertnet.config import Settings
from expertnet.core.auth import ADMIN, Principal, access
from expertnet.core.deps import client_ip
from expertnet.core.errors import AppError, NotFound
from expertnet.experts import service as experts
from expertnet.members import invitations, recovery
from expertnet.members import service as members
from expertnet.members.schemas import ApproveIn, InviteNewIn, ReasonIn, RevetIn
from expertnet.retention import service as retention
from expertnet.web import i18n
from expertnet.web.common import (
    app_error_fields,
    field_errors,
    form_of,
    many,
    redirect,
    render,
    safe_next,
    text,
    text_raw,
)

PAGE_SIZE = 25
AUDIT_PAGE = 50
STATUSES = ("pending", "unconfirmed", "approved", "suspended", "rejected")


def _date_field(request: Request, value: str, name: str, errors: dict[str, str]) -> datetime | None:
    """A date input (YYYY-MM-DD) as the start of that day in UTC."""
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=UTC)
    except ValueError:
        errors[name] = i18n.translate(i18n.locale_of(request), "Enter a date.")
        return None


@get("/admin/members", opt=access(ADMIN))
async def vetting_queue(
    request: Request,
    db_session: AsyncSession,
    status: Annotated[str, Parameter(pattern="^(pending|unconfirmed|approved|rejected|suspended|all)$")] = "pending",
    role: Annotated[str | None, Parameter(pattern="^(le_official|expert|admin)?$")] = None,
    q: Annotated[str | None, Parameter(max_length=200)] = None,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> Response:
    return await _queue(request, db_session, status, role, q, offset)


async def _queue(
    request: Request,
    db_session: AsyncSession,
    status: str,
    role: str | None,
    q: str | None,
    offset: int,
    *,
    invite_form: dict | None = None,
    invite_errors: dict | None = None,
    status_code: int = 200,
) -> Response:
    page = await members.list_members(
        db_session,
        status=None if status == "all" else status,
        role=role or None,
        q=(q or "").strip() or None,
        offset=offset,
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "admin/members.html",
        {
            "members": page.items,
            "total": page.total,
            "status": status,
            "role": role or "",
            "q": q or "",
            "offset": offset,
            "limit": PAGE_SIZE,
            "statuses": STATUSES,
            "uninvited": await invitations.count_uninvited(db_session),
            "invite_form": invite_form or {"role": "le_official"},
            "invite_errors": invite_errors or {},
        },
        status_code=status_code,
    )


@post("/admin/members/invite-imported", opt=access(ADMIN))
async def invite_imported(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal
) -> Response:
    await invitations.invite_all_imported(db_session, settings, principal.id)
    return redirect("/admin/members?status=all&role=expert", flash="invited_all")


@post("/admin/members/invite", opt=access(ADMIN))
async def invite_new(request: Request, db_session: AsyncSession, settings: Settings, principal: Principal) -> Response:
    """Add an official (or admin) vetted by this admin and e-mail them an invitation."""
    data = await form_of(request)
    form = {
        "email": text(data, "email"),
        "full_name": text(data, "full_name"),
        "role": text(data, "role") or "le_official",
        "organisation": text(data, "organisation"),
        "position": text(data, "position"),
        "country": text(data, "country"),
        "languages": many(data, "languages"),
        "ui_language": text(data, "ui_language") or "en",
    }
    try:
        member = await invitations.invite_new(
            db_session, settings, principal, InviteNewIn.model_validate(form), client_ip(request)
        )
    except ValidationError as exc:
        errors = field_errors(request, exc)
    except AppError as exc:
        errors = app_error_fields(exc)
    else:
        return redirect(f"/admin/members/{member.id}", flash="invited")
    return await _queue(
        request, db_session, "pending", None, None, 0, invite_form=form, invite_errors=errors, status_code=400
    )


async def _member_context(session: AsyncSession, principal: Principal, member_id: int) -> dict[str, Any]:
    member = await members.read(session, member_id)
    expert = None
    if member.expert_id:
        expert = await experts.get_visible(session, principal, member.expert_id)
    history = await members.decisions(session, member_id)
    second_factor = await recovery.status(session, await members.get_member(session, member_id))
    return {"member": member, "expert": expert, "decisions": history, "second_factor": second_factor}


@get("/admin/members/{member_id:int}", opt=access(ADMIN))
async def member_page(request: Request, db_session: AsyncSession, principal: Principal, member_id: int) -> Response:
    context = await _member_context(db_session, principal, member_id)
    return render(request, "admin/member.html", {**context, "errors": {}, "form": {}})


async def _decision_failed(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    member_id: int,
    errors: dict[str, str],
    form: dict,
    status: int = 400,
) -> Response:
    context = await _member_context(session, principal, member_id)
    return render(request, "admin/member.html", {**context, "errors": errors, "form": form}, status_code=status)


@post("/admin/members/{member_id:int}/{action:str}", opt=access(ADMIN))
async def decide(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, member_id: int, action: str
) -> Response:
    if action not in {"approve", "reject", "suspend", "revet", "invite", "revoke-invitation"}:
        raise NotFound("no such action")
    data = await form_of(request)
    if action in {"invite", "revoke-invitation"}:
        try:
            if action == "invite":
                await invitations.invite(db_session, settings, principal.id, member_id, client_ip(request))
            else:
                await invitations.revoke(db_session, principal.id, member_id, client_ip(request))
        except AppError as exc:
            if exc.status_code == 404:
                raise
            return await _decision_failed(
                request, db_session, principal, member_id, app_error_fields(exc), {}, exc.status_code
            )
        flash = "invited" if action == "invite" else "invitation_revoked"
        return redirect(safe_next(text(data, "next"), f"/admin/members/{member_id}"), flash=flash)
    errors: dict[str, str] = {}
    reason = text_raw(data, "reason").strip()
    until = _date_field(request, text(data, "vetted_until"), "vetted_until", errors)
    form = {"action": action, "reason": reason, "vetted_until": text(data, "vetted_until")}
    if errors:
        return await _decision_failed(request, db_session, principal, member_id, errors, form)
    ip = client_ip(request)
    try:
        if action == "approve":
            await members.approve(
                db_session, settings, principal, member_id, ApproveIn(vetted_until=until, reason=reason), ip
            )
            flash = "approved"
        elif action == "reject":
            await members.reject(db_session, principal, member_id, ReasonIn(reason=reason).reason, ip)
            flash = "rejected"
        elif action == "suspend":
            await members.suspend(db_session, principal, member_id, ReasonIn(reason=reason).reason, ip)
            flash = "suspended"
        else:
            if until is None:
                errors["vetted_until"] = i18n.translate(i18n.locale_of(request), "Enter a date.")
                return await _decision_failed(request, db_session, principal, member_id, errors, form)
            await members.set_revet_date(
                db_session, principal, member_id, RevetIn(vetted_until=until, reason=reason), ip
            )
            flash = "revet_saved"
    except ValidationError as exc:
        return await _decision_failed(request, db_session, principal, member_id, field_errors(request, exc), form)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        return await _decision_failed(
            request, db_session, principal, member_id, app_error_fields(exc), form, exc.status_code
        )
    return redirect(safe_next(text(data, "next"), f"/admin/members/{member_id}"), flash=flash)


@post("/admin/members/{member_id:int}/second-factor/reset", opt=access(ADMIN))
async def reset_second_factor(
    request: Request, db_session: AsyncSession, principal: Principal, member_id: int
) -> Response:
    """A member lost their authenticator (and their recovery codes): the secretariat turns it off."""
    data = await form_of(request)
    form = {"action": "second_factor_reset", "reason": text_raw(data, "reason").strip()}
    try:
        reason = ReasonIn(reason=form["reason"]).reason
        await recovery.reset(db_session, principal, member_id, reason, client_ip(request))
    except ValidationError as exc:
        return await _decision_failed(request, db_session, principal, member_id, field_errors(request, exc), form)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        await db_session.rollback()
        return await _decision_failed(
            request, db_session, principal, member_id, app_error_fields(exc), form, exc.status_code
        )
    return redirect(f"/admin/members/{member_id}", flash="second_factor_reset")


# --------------------------------------------------------------------------- coverage


def coverage_class(count: int, few: int) -> str:
    """Colour band of a coverage cell: none, fewer than `few`, up to 3x `few`, more."""
    if count <= 0:
        return "cov-0"
    if count < few:
        return "cov-1"
    if count < 3 * few:
        return "cov-2"
    return "cov-3"


@get("/admin/coverage", opt=access(ADMIN))
async def coverage_page(
    request: Request,
    db_session: AsyncSession,
    few: Annotated[int, Parameter(ge=1, le=1000)] = admin_service.DEFAULT_FEW,
) -> Response:
    report = await admin_service.coverage(db_session, few=few)
    return render(request, "admin/coverage.html", {"report": report, "few": few, "band": coverage_class})


# --------------------------------------------------------------------------- audit log


@get("/admin/audit", opt=access(ADMIN))
async def audit_page(
    request: Request,
    db_session: AsyncSession,
    actor_id: Annotated[str, Parameter(max_length=12, pattern=r"^[0-9]*$")] = "",
    action: Annotated[str, Parameter(max_length=60, pattern=r"^[a-z0-9_.]*$")] = "",
    object_type: Annotated[str, Parameter(max_length=40, pattern=r"^[a-z0-9_]*$")] = "",
    object_id: Annotated[str, Parameter(max_length=100)] = "",
    since: Annotated[str, Parameter(max_length=10)] = "",
    until: Annotated[str, Parameter(max_length=10)] = "",
    offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
    verify: Annotated[str, Parameter(max_length=1, pattern="^1?$")] = "",
) -> Response:
    errors: dict[str, str] = {}
    start = _date_field(request, since, "since", errors)
    end = _date_field(request, until, "until", errors)
    if end is not None:
        end = end + timedelta(days=1)  # the whole "until" day
    flt = admin_service.AuditFilter(
        actor_id=int(actor_id) if actor_id else None,
        action=action or None,
        object_type=object_type or None,
        object_id=object_id.strip() or None,
        since=start,
        until=end,
    )
    log = await admin_service.audit_log(db_session, flt, offset=offset, limit=AUDIT_PAGE)
    chain = await admin_service.verify(db_session) if verify else None
    filters = {
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "since": since,
        "until": until,
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "admin/audit.html",
        {
            "items": log.items,
            "total": log.total,
            "offset": offset,
            "limit": AUDIT_PAGE,
            "filters": filters,
            "query": query,
            "actions": await admin_service.audit_actions(db_session),
            "errors": errors,
            "chain": chain,
        },
    )


# --------------------------------------------------------------------------- retention


@get("/admin/retention", opt=access(ADMIN))
async def retention_page(
    request: Request,
    db_session: AsyncSession,
    settings: Settings,
    offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
) -> Response:
    page = await retention.due_page(db_session, settings, offset=offset, limit=PAGE_SIZE)
    return render(request, "admin/retention.html", {"page": page, "offset": offset, "limit": PAGE_SIZE, "error": ""})


@post("/admin/retention/{consultation_id:int}/erase", opt=access(ADMIN))
async def retention_erase(
    request: Request,
    state: State,
    db_session: AsyncSession,
    settings: Settings,
    principal: Principal,
    consultation_id: int,
) -> Response:
    try:
        await retention.erase_by_admin(state.db, consultation_id, principal.id, client_ip(request))
    except AppError as exc:
        if exc.status_code == 404:
            raise
        page = await retention.due_page(db_session, settings, limit=PAGE_SIZE)
        return render(
            request,
            "admin/retention.html",
            {"page": page, "offset": 0, "limit": PAGE_SIZE, "error": exc.detail},
            status_code=exc.status_code,
        )
    return redirect("/admin/retention", flash="erased")


ROUTES = [
    vetting_queue,
    invite_imported,
    invite_new,
    member_page,
    decide,
    reset_second_factor,
    coverage_page,
    audit_page,
    retention_page,
    retention_erase,
]
