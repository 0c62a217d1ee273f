"""Sign in and out, apply for membership, complete the application, choose the interface language."""

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core.auth import APPLICANT, COOKIE_NAME, PUBLIC, Principal, access
from expertnet.core.deps import client_ip
from expertnet.core.errors import AppError
from expertnet.members import auth as sign_in
from expertnet.members import invitations, reset
from expertnet.members import tokens as links
from expertnet.members import service as members
from expertnet.members.models import VettingStatus
from expertnet.members.schemas import ApplicationUpdate, LoginIn, RegisterIn, ResetRequestIn
from expertnet.web import i18n
from expertnet.web.common import (
    app_error_fields,
    checked,
    clear_cookie,
    field_errors,
    form_of,
    lines,
    many,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    text,
    text_raw,
)
from expertnet.web.i18n import N_

CSRF_COOKIE = "csrftoken"  # Litestar's default CSRFConfig.cookie_name

LOGIN_REASONS = {
    401: N_("Wrong e-mail address or password."),
    429: N_("Too many failed sign-in attempts. Wait a few minutes and try again."),
    403: N_("This account is not active. Contact the network secretariat."),
}


def home_for(principal: Principal | None) -> str:
    if principal is None:
        return "/login"
    if not principal.is_vetted:
        return "/application"
    return "/"


@get("/login", opt=access(PUBLIC), name="login")
async def login_page(
    request: Request,
    principal: Principal | None,
    next_: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None,
) -> Response:
    if principal is not None:
        return redirect(safe_next(next_, home_for(principal)))
    return render(request, "auth/login.html", {"next": safe_next(next_, ""), "form": {}, "error": ""})


@post("/login", opt=access(PUBLIC))
async def login_submit(request: Request, db_session: AsyncSession, settings: Settings) -> Response:
    data = await form_of(request)
    target = safe_next(text(data, "next"), "")
    form: dict[str, Any] = {"email": text(data, "email")}
    locale = i18n.locale_of(request)
    try:
        creds = LoginIn(
            email=text(data, "email"), password=text_raw(data, "password"), totp_code=text(data, "totp_code") or None
        )
    except ValidationError:
        return render(
            request,
            "auth/login.html",
            {"next": target, "form": form, "error": i18n.translate(locale, LOGIN_REASONS[401])},
            status_code=400,
        )
    try:
        tokens, member = await sign_in.login(
            db_session, settings, creds.email, creds.password, creds.totp_code, client_ip(request)
        )
    except AppError as refused:
        if any(e.field == "totp_code" for e in refused.errors):
            message = i18n.translate(locale, "Enter the current code from your authenticator app.")
            form["need_totp"] = True
        else:
            message = i18n.translate(locale, LOGIN_REASONS.get(refused.status_code, LOGIN_REASONS[401]))
        return render(
            request,
            "auth/login.html",
            {"next": target, "form": form, "error": message},
            status_code=refused.status_code,
        )
    if member.vetting_status == VettingStatus.pending:
        destination = "/application"
    else:
        destination = target or "/"
    response = redirect(destination)
    # A new token on every sign-in, and a new CSRF token for the new session.
    set_session_cookie(response, settings, tokens.access_token)
    clear_cookie(response, CSRF_COOKIE)
    response.set_cookie(
        i18n.LANG_COOKIE, member.ui_language, max_age=365 * 86400, path="/", secure=True, httponly=True, samesite="lax"
    )
    return response


@post("/logout", opt=access(APPLICANT))
async def logout(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    await sign_in.revoke_tokens(db_session, principal.id)
    response = redirect("/login", flash="logged_out")
    clear_cookie(response, COOKIE_NAME)
    clear_cookie(response, CSRF_COOKIE)
    return response


# --------------------------------------------------------------------------- registration


def _register_payload(data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "email": text(data, "email"),
        "password": text_raw(data, "password"),
        "full_name": text(data, "full_name"),
        "role": text(data, "role"),
        "organisation": text(data, "organisation"),
        "position": text(data, "position"),
        "country": text(data, "country"),
        "languages": many(data, "languages"),
        "application_statement": text_raw(data, "application_statement").strip(),
        "referee": text(data, "referee"),
    }
    if payload["role"] == "expert":
        payload["expert"] = {
            "org_type": text(data, "org_type") or "independent",
            "coverage_countries": many(data, "coverage_countries"),
            "categories": many(data, "categories"),
            "specialties": lines(data, "specialties"),
            "bio": text_raw(data, "bio").strip(),
            "market_ties": checked(data, "market_ties"),
            "market_ties_detail": text_raw(data, "market_ties_detail").strip(),
        }
    return payload


@get("/register", opt=access(PUBLIC))
async def register_page(request: Request, principal: Principal | None) -> Response:
    if principal is not None:
        return redirect(home_for(principal))
    return render(request, "auth/register.html", {"form": {"role": "le_official"}, "errors": {}})


@post("/register", opt=access(PUBLIC))
async def register_submit(request: Request, db_session: AsyncSession, settings: Settings) -> Response:
    data = await form_of(request)
    payload = _register_payload(data)
    form = {**payload, **payload.get("expert", {})}
    form.pop("password", None)
    locale = i18n.locale_of(request)
    errors: dict[str, str] = {}
    if text_raw(data, "password") != text_raw(data, "password_confirm"):
        errors["password_confirm"] = i18n.translate(locale, "The two passwords differ.")
    try:
        body = RegisterIn.model_validate(payload)
    except ValidationError as exc:
        errors = {**field_errors(request, exc), **errors}
        body = None
    if body is not None and not errors:
        try:
            registered = await members.register(db_session, settings, body, ip=client_ip(request))
        except AppError as exc:
            errors = app_error_fields(exc)
        else:
            if registered is not None:
                member = await members.get_member(db_session, registered.id)
                if locale != member.ui_language:
                    await members.update_application(
                        db_session,
                        sign_in.principal_of(member),
                        ApplicationUpdate(version=member.version, ui_language=locale),
                    )
            # The same answer whether or not the address had an account: confirm the address, sign in.
            return redirect("/login", flash="registered_confirm")
    return render(request, "auth/register.html", {"form": form, "errors": errors}, status_code=400)


# --------------------------------------------------------------------------- application


@get("/application", opt=access(APPLICANT))
async def application_page(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    member = await members.read(db_session, principal.id)
    return render(request, "auth/application.html", {"member": member, "form": member.model_dump(), "errors": {}})


@post("/application", opt=access(APPLICANT))
async def application_submit(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    data = await form_of(request)
    payload = {
        "version": text(data, "version"),
        "full_name": text(data, "full_name"),
        "organisation": text(data, "organisation"),
        "position": text(data, "position"),
        "country": text(data, "country"),
        "languages": many(data, "languages"),
        "application_statement": text_raw(data, "application_statement").strip(),
        "referee": text(data, "referee"),
    }
    errors: dict[str, str] = {}
    try:
        body = ApplicationUpdate.model_validate(payload)
        await members.update_application(db_session, principal, body)
    except ValidationError as exc:
        errors = field_errors(request, exc)
    except AppError as exc:
        if exc.status_code == 409:
            errors = {
                "form": i18n.translate(
                    i18n.locale_of(request),
                    "Your application was changed in another window. The form now shows the saved version; make your changes again.",
                )
            }
            member = await members.read(db_session, principal.id)
            return render(
                request,
                "auth/application.html",
                {"member": member, "form": member.model_dump(), "errors": errors},
                status_code=409,
            )
        errors = app_error_fields(exc)
    if not errors:
        return redirect("/application", flash="application_saved")
    member = await members.read(db_session, principal.id)
    return render(
        request, "auth/application.html", {"member": member, "form": payload, "errors": errors}, status_code=400
    )


# --------------------------------------------------------------------------- language


@post("/language", opt=access(PUBLIC))
async def set_language(request: Request, db_session: AsyncSession, principal: Principal | None) -> Response:
    data = await form_of(request)
    language = text(data, "language")
    target = safe_next(text(data, "next"), "/")
    if language not in i18n.LOCALES:
        return redirect(target)
    if principal is not None:
        member = await members.get_member(db_session, principal.id)
        if member.ui_language != language:
            await members.update_application(
                db_session, principal, ApplicationUpdate(version=member.version, ui_language=language)
            )
    response = redirect(target, flash="language_saved", request=request)
    response.set_cookie(
        i18n.LANG_COOKIE, language, max_age=365 * 86400, path="/", secure=True, httponly=True, samesite="lax"
    )
    return response


# --------------------------------------------------------------------------- links sent by e-mail


def _link_dead(request: Request, purpose: str) -> Response:
    return render(request, "auth/link_invalid.html", {"purpose": purpose}, status_code=400)


def _signed_in(response: Response, settings: Settings, access_token: str, ui_language: str) -> Response:
    set_session_cookie(response, settings, access_token)
    clear_cookie(response, CSRF_COOKIE)
    response.set_cookie(
        i18n.LANG_COOKIE, ui_language, max_age=365 * 86400, path="/", secure=True, httponly=True, samesite="lax"
    )
    return response


@get("/forgot-password", opt=access(PUBLIC))
async def forgot_page(request: Request) -> Response:
    return render(request, "auth/forgot.html", {"form": {}, "errors": {}})


@post("/forgot-password", opt=access(PUBLIC))
async def forgot_submit(request: Request, db_session: AsyncSession, settings: Settings) -> Response:
    data = await form_of(request)
    form = {"email": text(data, "email")}
    try:
        body = ResetRequestIn(email=form["email"])
    except ValidationError as exc:
        return render(
            request, "auth/forgot.html", {"form": form, "errors": field_errors(request, exc)}, status_code=400
        )
    try:
        await reset.request_reset(db_session, settings, body.email, client_ip(request))
    except AppError as exc:
        message = i18n.translate(
            i18n.locale_of(request), "Too many requests for a new password. Wait an hour and try again."
        )
        return render(
            request, "auth/forgot.html", {"form": form, "errors": {"form": message}}, status_code=exc.status_code
        )
    # The same answer whether or not the address has an account.
    return redirect("/login", flash="reset_requested")


@get("/reset-password/{token:str}", opt=access(PUBLIC))
async def reset_page(request: Request, db_session: AsyncSession, token: str) -> Response:
    try:
        await links.live(db_session, "reset", token)
    except AppError:
        return _link_dead(request, "reset")
    return render(request, "auth/reset.html", {"token": token, "errors": {}})


@post("/reset-password/{token:str}", opt=access(PUBLIC))
async def reset_submit(request: Request, db_session: AsyncSession, token: str) -> Response:
    data = await form_of(request)
    password = text_raw(data, "new_password")
    if password != text_raw(data, "password_confirm"):
        errors = {"password_confirm": i18n.translate(i18n.locale_of(request), "The two passwords differ.")}
        return render(request, "auth/reset.html", {"token": token, "errors": errors}, status_code=400)
    try:
        await reset.reset_password(db_session, token, password, client_ip(request))
    except AppError as exc:
        if any(e.field == "token" for e in exc.errors):
            return _link_dead(request, "reset")
        return render(request, "auth/reset.html", {"token": token, "errors": app_error_fields(exc)}, status_code=400)
    response = redirect("/login", flash="password_reset")
    clear_cookie(response, COOKIE_NAME)
    return response


@get("/confirm-email/{token:str}", opt=access(PUBLIC))
async def confirm_page(request: Request, db_session: AsyncSession, token: str) -> Response:
    # A page with a button rather than confirming on GET: mail scanners open links too.
    try:
        await links.live(db_session, "confirm", token)
    except AppError:
        return _link_dead(request, "confirm")
    return render(request, "auth/confirm.html", {"token": token})


@post("/confirm-email/{token:str}", opt=access(PUBLIC))
async def confirm_submit(
    request: Request, db_session: AsyncSession, principal: Principal | None, token: str
) -> Response:
    try:
        await reset.confirm_email(db_session, token, client_ip(request))
    except AppError:
        return _link_dead(request, "confirm")
    return redirect("/application" if principal is not None else "/login", flash="email_confirmed")


@post("/application/confirm-email", opt=access(APPLICANT))
async def resend_confirmation(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal
) -> Response:
    try:
        await reset.resend_confirmation(db_session, settings, principal, client_ip(request))
    except AppError as exc:
        if exc.status_code == 409:
            return redirect("/application", flash="email_confirmed")
        return redirect("/application", flash="confirmation_throttled")
    return redirect("/application", flash="confirmation_sent")


@get("/join/{token:str}", opt=access(PUBLIC))
async def join_page(request: Request, db_session: AsyncSession, settings: Settings, token: str) -> Response:
    try:
        invitation = await invitations.inspect(db_session, settings, token)
    except AppError:
        return _link_dead(request, "invitation")
    return render(request, "auth/join.html", {"token": token, "invitation": invitation, "errors": {}, "form": {}})


@post("/join/{token:str}", opt=access(PUBLIC))
async def join_submit(request: Request, db_session: AsyncSession, settings: Settings, token: str) -> Response:
    data = await form_of(request)
    password = text_raw(data, "password")
    setup_token = text(data, "setup_token") or None
    errors: dict[str, str] = {}
    if password != text_raw(data, "password_confirm"):
        errors["password_confirm"] = i18n.translate(i18n.locale_of(request), "The two passwords differ.")
    else:
        try:
            tokens, member = await invitations.accept(
                db_session, settings, token, password, setup_token, text(data, "totp_code") or None, client_ip(request)
            )
        except AppError as exc:
            if any(e.field == "token" for e in exc.errors):
                return _link_dead(request, "invitation")
            errors = app_error_fields(exc)
        else:
            destination = "/" if member.vetting_current else "/application"
            return _signed_in(redirect(destination, flash="joined"), settings, tokens.access_token, member.ui_language)
    try:
        # The same second-factor secret again: the member may have added it to the app already.
        invitation = await invitations.inspect(db_session, settings, token, setup_token)
    except AppError:
        return _link_dead(request, "invitation")
    return render(
        request,
        "auth/join.html",
        {"token": token, "invitation": invitation, "errors": errors, "form": {}},
        status_code=400,
    )


ROUTES = [
    forgot_page,
    forgot_submit,
    reset_page,
    reset_submit,
    confirm_page,
    confirm_submit,
    resend_confirmation,
    join_page,
    join_submit,
    login_page,
    login_submit,
    logout,
    register_page,
    register_submit,
    application_page,
    application_submit,
    set_language,
]
