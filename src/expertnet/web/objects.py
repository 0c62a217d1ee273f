"""Objects in the browser: the optional "Objects" part of the intake form, the objects panel of a
consultation (add one, import a CSV, remove), the linked cases an official may see, and the
secretariat's "Seen before" panel and list (link or dismiss).

Every page calls the objects services, which check object-level access and write the audit log.
"""

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations.access import Ctx
from expertnet.consultations.models import OPEN_STATUSES, Consultation
from expertnet.core.auth import ADMIN, OFFICIAL, Principal, access
from expertnet.core.errors import AppError, BadRequest, FieldError
from expertnet.objects import links, service
from expertnet.objects.models import FlagStatus
from expertnet.objects.schemas import ObjectIn, ObjectUpdate
from expertnet.objects.service import CsvProblem, CsvRejected
from expertnet.search import AsyncSearch
from expertnet.web import i18n
from expertnet.web.i18n import N_
from expertnet.web.common import field_errors, form_of, many, redirect, render, text, text_raw
from expertnet.web.consultations import _act, ctx_of

# The form's object fields (prefixed "obj_" on the intake form) and their labels.
FIELD_LABELS = {
    "object_type": N_("Type of object"),
    "materials_techniques": N_("Materials and techniques"),
    "measurements": N_("Measurements"),
    "inscriptions_markings": N_("Inscriptions and markings"),
    "distinguishing_features": N_("Distinguishing features"),
    "title": N_("Title"),
    "subject": N_("Subject"),
    "date_period": N_("Date or period"),
    "maker": N_("Maker"),
    "description": N_("Description"),
    "quantity": N_("Quantity"),
    "reference": N_("Your reference"),
}
_LABEL_OF_ENGLISH = {label: label for label in FIELD_LABELS.values()}  # schemas.LABELS, in English
# The reasons parse_csv gives, translated on the page.
_REASONS = {
    "must be a whole number": N_("must be a whole number"),
    "must be at least %(n)s": N_("must be at least %(n)s"),
    "must be at most %(n)s": N_("must be at most %(n)s"),
    "is too long (at most %(n)s characters)": N_("is too long (at most %(n)s characters)"),
    service.DESCRIBE: N_("describe the object: give at least its type or a description"),
    "unknown column": N_("unknown column"),
    "the column appears twice": N_("the column appears twice"),
    "has %(cells)s cells but the header has %(columns)s": N_("has %(cells)s cells but the header has %(columns)s"),
}


def _t(request: Request, message: str, **variables) -> str:
    return i18n.translate(i18n.locale_of(request), message, **variables)


def csv_problem_text(request: Request, p: CsvProblem) -> str:
    """ "row 3, column “Quantity”: must be a whole number", in the user's language."""
    column = _LABEL_OF_ENGLISH.get(p.column)
    reason_template = _REASONS.get(p.reason)
    reason = _t(request, reason_template, **p.params) if reason_template else p.text
    if not p.column:
        return _t(request, "row %(row)s: %(reason)s", row=p.row, reason=reason)
    return _t(
        request,
        "row %(row)s, column “%(column)s”: %(reason)s",
        row=p.row,
        column=_t(request, column) if column else p.column,
        reason=reason,
    )


def csv_error(request: Request, exc: CsvRejected, field: str) -> BadRequest:
    listed = [csv_problem_text(request, p) for p in exc.problems]
    more = exc.total - len(exc.problems)
    head = _t(request, "The file was not imported: nothing was saved. Correct these cells and upload it again.")
    tail = _t(request, "(and %(n)s more)", n=more) if more > 0 else ""
    message = " ".join([head, "; ".join(listed), tail]).strip()
    return BadRequest(f"{field}: {message}", [FieldError(field, message)])


def object_form(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {
        name: (
            text_raw(data, prefix + name).strip()
            if name in ("description", "inscriptions_markings", "distinguishing_features")
            else text(data, prefix + name)
        )
        for name in FIELD_LABELS
    }
    if not values["quantity"]:
        values.pop("quantity")
    return values


def _field_errors(request: Request, exc: ValidationError, prefix: str) -> dict[str, str]:
    errors = field_errors(request, exc)
    out = {}
    for name, reason in errors.items():
        if name == "form" or name not in FIELD_LABELS:
            name = "description"
            reason = _t(request, "describe the object: give at least its type or a description")
        out[prefix + name] = reason
    return out


class FormInvalid(AppError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(
            400, "; ".join(f"{k}: {v}" for k, v in errors.items()), [FieldError(k, v) for k, v in errors.items()]
        )


async def intake(request: Request, session: AsyncSession, ctx: Ctx, c: Consultation, data: dict, form) -> None:
    """The optional "Objects" part of the new-request form: one object typed in, and/or a CSV.
    Raises an AppError naming the form field; the caller rolls the whole request back."""
    values = object_form(data, "obj_")
    if any(v for k, v in values.items() if k != "quantity") or "quantity" in values:
        try:
            body = ObjectIn.model_validate(values)
        except ValidationError as exc:
            raise FormInvalid(_field_errors(request, exc, "obj_")) from None
        await service.add_object(session, ctx, c.id or 0, body)
    upload = form.get("objects_csv")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            await service.import_csv(session, ctx, c.id or 0, await upload.read())
        except CsvRejected as exc:
            raise csv_error(request, exc, "objects_csv") from None
        except AppError as exc:
            if exc.status_code == 404:
                raise
            raise BadRequest(f"objects_csv: {exc.detail.removeprefix('file: ')}") from None


async def detail_context(
    request: Request, session: AsyncSession, ctx: Ctx, consultation_id: int, role: str, status: str
) -> dict[str, Any]:
    """What the consultation page shows of objects, linked cases and (admins) "seen before"."""
    out: dict[str, Any] = {"object_role": role}
    if role in ("requester", "assigned", "admin"):
        out["objects"] = await service.list_objects(session, ctx, consultation_id)
        out["objects_editable"] = role == "requester" and status in OPEN_STATUSES
    if role in ("requester", "admin"):
        out["linked_cases"] = await links.linked_cases(session, ctx, consultation_id)
    if role == "admin":
        flags = await links.flags(session, ctx, status=None, consultation_id=consultation_id)
        out["seen_before"] = flags
        out["evidence"] = await links.evidence_details(session, flags)
    return out


# --------------------------------------------------------------------------- consultation page actions


@post("/consultations/{consultation_id:int}/objects", opt=access(OFFICIAL))
async def add_object(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    values = object_form(data, "obj_")
    photos = [int(v) for v in many(data, "obj_photos") if v.isdigit() and len(v) < 10]

    async def go():
        try:
            body = ObjectIn.model_validate({**values, "photo_attachment_ids": photos})
        except ValidationError as exc:
            raise FormInvalid(_field_errors(request, exc, "obj_")) from None
        await service.add_object(db_session, ctx_of(request, principal), consultation_id, body)

    form = {f"obj_{k}": v for k, v in values.items()}
    failed = await _act(request, db_session, search, principal, consultation_id, {**form, "object_form": True}, go)
    return failed or redirect(f"/consultations/{consultation_id}#objects", flash="objects_saved")


@post("/consultations/{consultation_id:int}/objects/import", opt=access(OFFICIAL))
async def import_objects(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    form = await request.form()
    upload = form.get("objects_csv")

    async def go():
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadRequest("objects_csv: " + _t(request, "Choose a CSV file."))
        try:
            await service.import_csv(db_session, ctx_of(request, principal), consultation_id, await upload.read())
        except CsvRejected as exc:
            raise csv_error(request, exc, "objects_csv") from None

    failed = await _act(request, db_session, search, principal, consultation_id, {}, go)
    return failed or redirect(f"/consultations/{consultation_id}#objects", flash="objects_saved")


@post("/consultations/{consultation_id:int}/objects/{object_id:int}/edit", opt=access(OFFICIAL))
async def edit_object(
    request: Request,
    db_session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    consultation_id: int,
    object_id: int,
) -> Response:
    data = await form_of(request)
    values = object_form(data, "obj_")
    values.setdefault("quantity", "1")
    photos = [int(v) for v in many(data, "obj_photos") if v.isdigit() and len(v) < 10]

    async def go():
        try:
            ObjectIn.model_validate({**values, "photo_attachment_ids": photos})  # the same rules as adding
            body = ObjectUpdate.model_validate(
                {**values, "photo_attachment_ids": photos, "version": text(data, "version")}
            )
        except ValidationError as exc:
            raise FormInvalid(_field_errors(request, exc, "obj_")) from None
        await service.update_object(db_session, ctx_of(request, principal), consultation_id, object_id, body)

    form = {f"obj_{k}": v for k, v in values.items()}
    failed = await _act(request, db_session, search, principal, consultation_id, {**form, "edit_object": object_id}, go)
    return failed or redirect(f"/consultations/{consultation_id}#objects", flash="objects_saved")


@post("/consultations/{consultation_id:int}/objects/{object_id:int}/delete", opt=access(OFFICIAL))
async def remove_object(
    request: Request,
    db_session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    consultation_id: int,
    object_id: int,
) -> Response:
    failed = await _act(
        request,
        db_session,
        search,
        principal,
        consultation_id,
        {},
        lambda: service.remove_object(db_session, ctx_of(request, principal), consultation_id, object_id),
    )
    return failed or redirect(f"/consultations/{consultation_id}#objects", flash="objects_saved")


# --------------------------------------------------------------------------- the secretariat


@get("/admin/seen-before", opt=access(ADMIN))
async def seen_before_page(
    request: Request,
    db_session: AsyncSession,
    principal: Principal,
    status: Annotated[str, Parameter(pattern="^(open|linked|dismissed)?$")] = "open",
) -> Response:
    ctx = ctx_of(request, principal)
    flags = await links.flags(db_session, ctx, status=status or None)
    return render(
        request,
        "objects/seen_before.html",
        {"flags": flags, "evidence": await links.evidence_details(db_session, flags), "status": status},
    )


@post("/admin/seen-before/{flag_id:int}/{action:str}", opt=access(ADMIN))
async def decide(
    request: Request, db_session: AsyncSession, principal: Principal, flag_id: int, action: str
) -> Response:
    data = await form_of(request)
    decisions = {"link": FlagStatus.linked, "dismiss": FlagStatus.dismissed}
    if action not in decisions:
        return redirect("/admin/seen-before")
    reason = text_raw(data, "reason").strip()[:2000]
    back = text(data, "back")
    try:
        await links.decide(db_session, ctx_of(request, principal), flag_id, decisions[action], reason)
    except AppError as exc:
        if exc.status_code != 409:
            raise
        await db_session.rollback()
    target = back if back.startswith("/consultations/") and back[15:].isdigit() else "/admin/seen-before"
    return redirect(
        target + ("#seen-before" if target != "/admin/seen-before" else ""),
        flash="pair_linked" if action == "link" else "pair_dismissed",
    )


ROUTES = [add_object, import_objects, edit_object, remove_object, seen_before_page, decide]
