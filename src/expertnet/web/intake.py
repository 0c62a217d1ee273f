"""Filing and editing a request in the browser: the intake form (with its optional objects and
files), the draft's edit form, the deadline typed in the reader's zone. The desk's services
(expertnet.consultations.intake, attachments) check access and write the audit log."""

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import attachments, intake, reads
from expertnet.consultations.models import Status
from expertnet.consultations.schemas import ConsultationCreate, ConsultationUpdate
from expertnet.core import timezones
from expertnet.core.auth import OFFICIAL, Principal, access
from expertnet.core.errors import AppError, field_error
from expertnet.core.models import pk
from expertnet.members import service as members
from expertnet.web import zones
from expertnet.web.common import (
    app_error_fields,
    checked,
    field_errors,
    form_of,
    many,
    max_upload_mb,
    redirect,
    render,
    text,
    text_raw,
    uploaded_files,
)
from expertnet.web.consultations import _t, ctx_of


def _request_payload(data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": text(data, "title"),
        "description": text_raw(data, "description").strip(),
        "category": text(data, "category") or None,
        "location_country": text(data, "location_country"),
        "object_origin_country": text(data, "object_origin_country") or None,
        "languages": many(data, "languages") or None,
        "urgency": text(data, "urgency") or None,
        "deadline": text(data, "deadline") or None,
        "exclude_market_ties": checked(data, "exclude_market_ties"),
    }
    return payload


def _in_utc(request: Request, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload to validate: the deadline typed in the reader's zone (datetime-local) as the UTC
    instant it names. The form keeps the typed text, so a page shown again shows what was typed."""
    typed = payload.get("deadline")
    if not typed:
        return payload
    try:
        local = datetime.fromisoformat(typed)
    except ValueError:
        return payload  # the schema names the field and the problem
    return {**payload, "deadline": timezones.local_to_utc(local, zones.zone_name_of(request)).isoformat()}


async def _new_form(
    request: Request, session: AsyncSession, principal: Principal, form: dict, errors: dict, status: int = 200
) -> Response:
    if "languages" not in form or form.get("languages") is None:
        member = await members.get_member(session, principal.id)
        form = {
            **form,
            "languages": member.languages,
            "location_country": form.get("location_country") or member.country,
        }
    return render(
        request,
        "consultations/new.html",
        {"form": form, "errors": errors, "max_mb": max_upload_mb(request)},
        status_code=status,
    )


@get("/consultations/new", opt=access(OFFICIAL))
async def new_request_page(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    return await _new_form(request, db_session, principal, {}, {})


def _profile_order(languages: list[str] | None, profile: list[str]) -> list[str] | None:
    """A multi-select sends languages in list order; keep the official's own preference first."""
    if not languages:
        return languages
    rank = {code: i for i, code in enumerate(profile)}
    return sorted(languages, key=lambda code: (rank.get(code, len(rank)), languages.index(code)))


@post("/consultations/new", opt=access(OFFICIAL))
async def new_request_submit(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal
) -> Response:
    form = await request.form()
    data = await form_of(request)
    payload = _request_payload(data)
    payload["languages"] = _profile_order(
        payload["languages"], (await members.get_member(db_session, principal.id)).languages
    )
    try:
        body = ConsultationCreate.model_validate(_in_utc(request, payload))
    except ValidationError as exc:
        return await _new_form(request, db_session, principal, payload, field_errors(request, exc), 400)
    ctx = ctx_of(request, principal)
    try:
        c = await intake.create_draft(db_session, ctx, body)
        for upload in uploaded_files(form):
            try:
                await attachments.upload(db_session, settings, ctx, pk(c), upload)
            except AppError as exc:
                name = upload.filename or ""
                reason = app_error_fields(exc).get("file") or exc.detail
                raise field_error("attachments", f"{name}: {reason}") from None
        from expertnet.web import objects as object_pages  # builds on this module: imported when used

        await object_pages.intake(request, db_session, ctx, c, data, form)  # the optional "Objects" part
    except AppError as exc:
        if exc.status_code == 404:
            raise
        # Nothing is kept: the draft and the files already added roll back together.
        await db_session.rollback()
        return await _new_form(request, db_session, principal, payload, app_error_fields(exc), exc.status_code)
    return redirect(f"/consultations/{c.id}", flash="draft_saved")


@get("/consultations/{consultation_id:int}/edit", opt=access(OFFICIAL))
async def edit_request_page(
    request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int
) -> Response:
    c = await reads.read(db_session, ctx_of(request, principal), consultation_id)
    if c.requester_id != principal.id or c.status != Status.draft:
        return redirect(f"/consultations/{consultation_id}")
    form = c.model_dump()
    form["deadline"] = c.deadline  # shown in the reader's zone by the `local_input` filter
    return render(request, "consultations/edit.html", {"c": c, "form": form, "errors": {}})


@post("/consultations/{consultation_id:int}/edit", opt=access(OFFICIAL))
async def edit_request_submit(
    request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    payload = _request_payload(data)
    payload["languages"] = _profile_order(
        payload["languages"], (await members.get_member(db_session, principal.id)).languages
    )
    payload["version"] = text(data, "version")
    ctx = ctx_of(request, principal)
    try:
        body = ConsultationUpdate.model_validate(_in_utc(request, payload))
        await intake.update_draft(db_session, ctx, consultation_id, body)
    except ValidationError as exc:
        errors = field_errors(request, exc)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        errors = app_error_fields(exc)
        if exc.status_code == 409 and "version" in errors:
            errors = {
                "form": _t(
                    request, "The draft was changed in another window. Reload the page and make your changes again."
                )
            }
    else:
        return redirect(f"/consultations/{consultation_id}", flash="draft_saved")
    await db_session.rollback()
    c = await reads.read(db_session, ctx, consultation_id)
    return render(
        request,
        "consultations/edit.html",
        {"c": c, "form": {**payload, "version": c.version}, "errors": errors},
        status_code=400,
    )


ROUTES = [new_request_page, new_request_submit, edit_request_page, edit_request_submit]
