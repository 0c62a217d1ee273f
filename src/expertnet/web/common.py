"""Shared helpers of the page handlers: rendering, redirects, flash notes, forms, errors.

Pages authenticate only by the HttpOnly session cookie (see core.auth). Errors on page routes are
rendered here as HTML whatever the Accept header says (htmx asks with `*/*`); an anonymous
visitor is sent to the login page instead of seeing a 401.
"""

import logging
from collections.abc import Mapping
from typing import Any

from litestar.types import ExceptionHandlersMap
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from pydantic import ValidationError

from expertnet.config import Settings
from expertnet.core.auth import COOKIE_NAME
from expertnet.core.errors import AppError
from expertnet.core.http import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, database_unavailable
from expertnet.core.security import decode_token
from expertnet.sessions import service as page_sessions
from expertnet.web import i18n, messages, session_keep, zones
from expertnet.web.i18n import N_

log = logging.getLogger("expertnet.web")

FLASH_COOKIE = "expertnet_flash"

# Flash notes are keys into this table, never free text: nothing a user typed reaches the cookie.
FLASH_MESSAGES = {
    "logged_out": N_("You have signed out."),
    "registered": N_("Your application has been received. The secretariat will review it."),
    "application_saved": N_("Your application has been saved."),
    "language_saved": N_("The interface language has been changed."),
    "time_zone_saved": N_("Your time zone has been saved."),
    "profile_saved": N_("Your profile has been saved."),
    "approved": N_("The member has been approved."),
    "rejected": N_("The application has been rejected."),
    "suspended": N_("The member has been suspended."),
    "revet_saved": N_("The re-vetting date has been saved."),
    "request_submitted": N_("Your request has been submitted and offered to the best-matching experts."),
    "draft_saved": N_("The draft has been saved."),
    "message_sent": N_("Your message has been sent."),
    "offer_accepted": N_("You have accepted the consultation."),
    "offer_declined": N_("You have declined the offer."),
    "opinion_saved": N_("Your opinion has been sent to the official."),
    "closed": N_("The consultation has been closed. Thank you for your rating."),
    "withdrawn": N_("The request has been withdrawn."),
    "reoffered": N_("The request has been offered again."),
    "languages_saved": N_("The request's languages have been corrected."),
    "requester_messaged": N_("Your message has been sent to the requesting official."),
    "attachment_added": N_("The file has been attached."),
    "password_changed": N_("Your password has been changed. Please sign in again."),
    "request_escalated": N_(
        "Your request has been submitted, but no expert in the network can take it now, so it has been "
        "passed to the secretariat, who will find an expert by hand."
    ),
    "objects_saved": N_("The objects have been saved."),
    "pair_linked": N_("The two requests are linked: each official can now see the other's request summary."),
    "pair_dismissed": N_("The pair has been dismissed."),
    "erased": N_("The consultation's case material has been erased; a tombstone and an audit entry remain."),
    # --- invite ---
    "registered_confirm": N_(
        "Your application has been received. Open the link we have e-mailed you to confirm your address; the secretariat then reviews it."
    ),
    "reset_requested": N_(
        "If an account uses this address, a link to choose a new password is on its way by e-mail. It works once and for a limited time."
    ),
    "password_reset": N_(
        "Your password has been changed and you have been signed out everywhere. Sign in with the new password."
    ),
    "email_confirmed": N_("Your e-mail address has been confirmed. The secretariat will now review your application."),
    "confirmation_sent": N_("A new confirmation link is on its way. The previous link no longer works."),
    "confirmation_throttled": N_("Too many links asked for. Wait an hour and try again."),
    "joined": N_("Welcome! Your password is set and you are signed in."),
    "invited": N_("The invitation has been sent. Any earlier invitation link no longer works."),
    "invitation_revoked": N_("The invitation has been withdrawn; its link no longer works."),
    "invited_all": N_("The invitations have been sent to the imported experts without a password."),
    # --- sessions ---
    "second_factor_off": N_("Two-factor sign-in is now off. Your other sessions have ended."),
    "second_factor_reset": N_("The member's second factor has been reset; they have been told by e-mail."),
    "form_kept": N_("Your session had ended. Sign in again: what you sent is kept and will be filled in again."),
    "form_restored": N_(
        "The form has been filled in again with what you sent. Check it, attach any files again, and send it."
    ),
}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def principal_of(request: Request):
    return request.scope.get("user")


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Template:
    ctx = dict(context or {})
    ctx.setdefault("locale", i18n.locale_of(request))
    ctx.setdefault("time_zone", zones.zone_name_of(request))
    ctx.setdefault("principal", principal_of(request))
    ctx.setdefault("flash", _read_flash(request))
    ctx.setdefault("page_session", session_keep.page_session(request))
    restored = session_keep.restored_form(request)
    if restored and isinstance(ctx.get("form"), dict):
        # A form posted after the session ended: shown again as it was sent (issue 14).
        ctx["form"] = {**ctx["form"], **restored}
        note = FLASH_MESSAGES["form_restored"]
        ctx["flash"] = i18n.translate(i18n.locale_of(request), note)
    messages.localize_context(ctx["locale"], ctx)
    response = Template(template_name=template, context=ctx, status_code=status_code, media_type=MediaType.HTML)
    if ctx["flash"]:
        clear_cookie(response, FLASH_COOKIE, http_only=True)
    return response


# Flash notes with a count: `key:N` (N a number, still nothing typed by a user).
COUNTED_FLASH = {"request_offered"}


def _counted_flash(locale: str, key: str, n: int) -> str:
    translations = i18n.translations(locale)
    if key == "request_offered":
        text = translations.ngettext(
            "Your request has been submitted and offered to %(num)s expert.",
            "Your request has been submitted and offered to %(num)s experts at once.",
            n,
        )
        return i18n.Translated(text % {"num": n})
    return ""


def _read_flash(request: Request) -> str:
    key = request.cookies.get(FLASH_COOKIE, "")
    locale = i18n.locale_of(request)
    name, sep, count = key.partition(":")
    if sep and name in COUNTED_FLASH and count.isdigit() and len(count) < 4:
        return _counted_flash(locale, name, int(count))
    message = FLASH_MESSAGES.get(key)
    return i18n.translate(locale, message) if message else ""


def redirect(path: str, *, flash: str | None = None, request: Request | None = None) -> Response:
    """303 See Other after a form post; for htmx requests an `HX-Redirect` instead."""
    if request is not None and is_htmx(request):
        response: Response = Response(content=b"", status_code=200, headers={"HX-Redirect": path})
    else:
        response = Redirect(path=path, status_code=303)
    if flash:
        name, _, count = flash.partition(":")
        assert flash in FLASH_MESSAGES or (name in COUNTED_FLASH and count.isdigit()), flash
        response.set_cookie(FLASH_COOKIE, flash, max_age=60, path="/", secure=True, httponly=True, samesite="lax")
    return response


def clear_cookie(response: Response, key: str, *, http_only: bool = True) -> None:
    # Same attributes as when it was set, so the browser replaces (and drops) the right cookie.
    response.set_cookie(key, "", max_age=0, expires=0, path="/", secure=True, httponly=http_only, samesite="lax")


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    """Start a page session for the member of a fresh access token: a sliding session with an
    absolute cap (sessions.service), not the API token's fixed lifetime."""
    claims = decode_token(settings, token)
    started = page_sessions.start(settings, claims.member_id, claims.token_version)
    response.set_cookie(session_keep.session_cookie(settings, started.token, started.ends_at))


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site relative paths: `/x?y`, never `//host`, `/\\host`, `https://host` or `javascript:`."""
    if not value or not isinstance(value, str) or len(value) > 2000:
        return default
    if not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return default
    if any(ch in value for ch in "\r\n\t\\") or any(ord(ch) < 32 for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


# --------------------------------------------------------------------------- forms


async def form_of(request: Request) -> dict[str, Any]:
    """The posted form as {name: value}; repeated names (checkbox groups, multi-selects) as lists."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form.keys():
        if key == "_csrf_token":
            continue
        values = form.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    return data


def text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip() if isinstance(value, str) else ""


def many(data: Mapping[str, Any], name: str) -> list[str]:
    """A repeated field, or one comma/newline separated field, as a list of non-empty strings."""
    value = data.get(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        if isinstance(item, str):
            out.extend(part.strip() for part in item.replace("\r", "").replace("\n", ",").split(",") if part.strip())
    return out


def lines(data: Mapping[str, Any], name: str) -> list[str]:
    """A textarea with one entry per line (specialties may contain commas)."""
    value = text_raw(data, name)
    return [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]


def text_raw(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def checked(data: Mapping[str, Any], name: str) -> bool:
    return text(data, name) in {"on", "true", "1", "yes"}


_PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "too_short": N_("Choose at least one."),
    "too_long": N_("Too many entries."),
    "int_parsing": N_("Enter a whole number."),
    "greater_than_equal": N_("The number is too small."),
    "less_than_equal": N_("The number is too large."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "date_parsing": N_("Enter a date."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "value_error": None,  # the validator's own message (names the bad code)
    "literal_error": N_("Choose one of the offered values."),
    "enum": N_("Choose one of the offered values."),
    "extra_forbidden": N_("This field is not allowed."),
    "string_pattern_mismatch": N_("This value has the wrong form."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "greater_than": N_("The number is too small."),
    "less_than": N_("The number is too large."),
    "bool_parsing": N_("Choose yes or no."),
    "string_type": N_("Enter a text."),
    "list_type": N_("Choose from the list."),
    "date_past": N_("Choose a date in the past."),
    "date_future": N_("Choose a date in the future."),
    "datetime_future": N_("Choose a time in the future."),
}


def field_errors(request: Request, exc: ValidationError) -> dict[str, str]:
    """{form field name: translated reason} from a pydantic error."""
    locale = i18n.locale_of(request)
    errors: dict[str, str] = {}
    for item in exc.errors():
        loc = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
        name = loc[-1] if loc else "form"
        message = _PYDANTIC_MESSAGES.get(item.get("type", ""))
        if message:
            reason = i18n.translate(locale, message)
        else:  # the validator's own words, or a kind of error not listed above
            reason = messages.server_message(locale, str(item.get("msg", "")).removeprefix("Value error, "))
        errors.setdefault(name, reason)
    return errors


def app_error_fields(exc: AppError) -> dict[str, str]:
    """{field: reason} of a service error; a detail like `email: ...` names its field too."""
    if exc.errors:
        return {e.field: e.reason for e in exc.errors}
    name, sep, reason = exc.detail.partition(": ")
    if sep and name.replace("_", "").isalnum() and name == name.lower():
        return {name: reason}
    return {"form": exc.detail}


# --------------------------------------------------------------------------- error pages


def error_page(request: Request, status: int, detail: str, errors: list[dict] | None = None) -> Response:
    template = "partials/error.html" if is_htmx(request) else "error.html"
    try:
        response = render(
            request, template, {"status_code": status, "detail": detail, "errors": errors or []}, status_code=status
        )
        if is_htmx(request):
            # base.html lets htmx swap 4xx/5xx answers; put the message where the result would go.
            response.headers["HX-Reswap"] = "innerHTML"
        return response
    except Exception:  # noqa: BLE001
        log.exception("error page failed")
        return Response(
            content={"status_code": status, "detail": detail}, status_code=status, media_type=MediaType.JSON
        )


def login_redirect(request: Request) -> Response:
    if session_keep.PASSIVE_PATHS.match(request.url.path):
        # A page's own poll (the bell, a ticket, the offer list) after the session ended: it names
        # no page and keeps the cookie, which still says whose the next form sent is (kept drafts).
        return redirect("/login", request=request)
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = request.headers.get("hx-current-url") and urlsplit(request.headers["hx-current-url"]).path or "/"
    kept_page = session_keep.kept_draft(request)
    if kept_page is not None:
        target = kept_page[1]
    location = "/login"
    if safe_next(target, "") not in ("", "/"):
        location += "?next=" + quote(target, safe="/")
    response = redirect(location, request=request, flash="form_kept" if kept_page else None)
    session_keep.with_kept_draft(request, response)
    if request.cookies.get(COOKIE_NAME):
        clear_cookie(response, COOKIE_NAME)
    return response


def page_http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException):
        return login_redirect(request)
    if isinstance(exc, ValidationException):
        return page_validation_error(request, exc)
    return error_page(request, exc.status_code, exc.detail)


def page_validation_error(request: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            errors.append(
                {"field": str(item.get("key") or item.get("source") or ""), "reason": str(item.get("message", ""))}
            )
    return error_page(request, 400, exc.detail, errors)


def page_app_error(request: Request, exc: AppError) -> Response:
    if exc.status_code == 401:
        return login_redirect(request)
    response = error_page(
        request, exc.status_code, exc.detail, [{"field": e.field, "reason": e.reason} for e in exc.errors]
    )
    if exc.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_internal_error(request: Request, exc: Exception) -> Response:
    if database_unavailable(exc):
        log.warning(
            "database unavailable on page %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc
        )
        response = error_page(request, 503, DATABASE_UNAVAILABLE)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("unhandled error on page %s %s", request.method, request.url.path)
    return error_page(request, 500, "internal server error")


PAGE_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    AppError: page_app_error,
    ValidationException: page_validation_error,
    HTTPException: page_http_error,
    Exception: page_internal_error,
}


def max_upload_mb(request: Request) -> int:
    """The upload limit in whole megabytes, as the forms state it."""
    return max(1, request.app.state.settings.upload_max_bytes // (1024 * 1024))


def uploaded_files(form) -> list[UploadFile]:
    """The files of a multipart form's `attachments` field (empty file inputs left out)."""
    return (
        [f for f in form.getall("attachments") if isinstance(f, UploadFile) and f.filename]
        if "attachments" in form
        else []
    )
