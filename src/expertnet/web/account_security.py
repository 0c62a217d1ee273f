"""The member's own second factor: turn it on (authenticator app), make recovery codes, turn it off.

Every change needs the password or a current code (members/auth.py reauthenticate), like the API.
The recovery codes are shown once, on the page that made them; only their hashes are kept.
A change of the second factor ends the account's other sessions; this browser gets a new one.
"""

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core.auth import APPLICANT, Principal, access
from expertnet.core.deps import client_ip
from expertnet.core.errors import AppError
from expertnet.core.security import InvalidToken, decode_totp_setup_token
from expertnet.members import auth as sign_in
from expertnet.members import recovery
from expertnet.members import service as members
from expertnet.members.schemas import RecoveryCodesOut, TotpSetupOut
from expertnet.web import i18n
from expertnet.web.common import app_error_fields, form_of, redirect, render, set_session_cookie, text, text_raw
from expertnet.web.i18n import N_

PAGE = "/account/security"

# The service's reasons, by field, as the member reads them.
REASONS = {
    "password": N_("Re-enter your password, or a current code from your authenticator app."),
    "code": N_("The code does not match. Enter the code your authenticator app shows now (check the device's clock)."),
    "setup_token": N_("The set-up took too long. Start again."),
}


def _errors(request: Request, exc: AppError) -> dict[str, str]:
    locale = i18n.locale_of(request)
    fields = app_error_fields(exc)
    if exc.status_code == 429:
        return {"form": i18n.translate(locale, "Too many failed attempts. Wait a few minutes and try again.")}
    return {
        name: i18n.translate(locale, REASONS[name]) if name in REASONS else reason for name, reason in fields.items()
    }


async def _page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    codes: RecoveryCodesOut | None = None,
    setup: TotpSetupOut | None = None,
    status_code: int = 200,
) -> Response:
    member = await members.get_member(session, principal.id)
    context: dict[str, Any] = {
        "second_factor": await recovery.status(session, member),
        "errors": errors or {},
        "form": {},
        "codes": codes.codes if codes else None,
        "setup": setup,
    }
    return render(request, "account/security.html", context, status_code=status_code)


def _reauth(data: dict[str, Any]) -> tuple[str | None, str | None]:
    return text_raw(data, "password") or None, text(data, "code") or None


@get(PAGE, opt=access(APPLICANT))
async def security_page(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    return await _page(request, db_session, principal)


@post(f"{PAGE}/recovery-codes", opt=access(APPLICANT))
async def make_recovery_codes(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal
) -> Response:
    password, code = _reauth(await form_of(request))
    try:
        codes = await recovery.regenerate(db_session, settings, principal, password, code, client_ip(request))
    except AppError as exc:
        await db_session.rollback()
        return await _page(request, db_session, principal, errors=_errors(request, exc), status_code=exc.status_code)
    return await _page(request, db_session, principal, codes=codes)


@post(f"{PAGE}/totp/setup", opt=access(APPLICANT))
async def start_totp(request: Request, db_session: AsyncSession, settings: Settings, principal: Principal) -> Response:
    password, code = _reauth(await form_of(request))
    try:
        setup = await sign_in.totp_setup(db_session, settings, principal, password, code, client_ip(request))
    except AppError as exc:
        await db_session.rollback()
        return await _page(request, db_session, principal, errors=_errors(request, exc), status_code=exc.status_code)
    return await _page(request, db_session, principal, setup=setup)


@post(f"{PAGE}/totp/enable", opt=access(APPLICANT))
async def enable_totp(request: Request, db_session: AsyncSession, settings: Settings, principal: Principal) -> Response:
    data = await form_of(request)
    setup_token, code = text(data, "setup_token"), text(data, "code")
    try:
        await sign_in.totp_enable(db_session, settings, principal, setup_token, code)
    except AppError as exc:
        await db_session.rollback()
        setup = None
        try:  # show the same secret again, so the member can retry the code
            secret = decode_totp_setup_token(settings, setup_token, principal.id)
        except InvalidToken:
            pass
        else:
            setup = TotpSetupOut(
                secret=secret,
                provisioning_uri=sign_in.provisioning_uri(secret, principal.email),
                setup_token=setup_token,
            )
        return await _page(
            request, db_session, principal, errors=_errors(request, exc), setup=setup, status_code=exc.status_code
        )
    member = await members.get_member(db_session, principal.id)
    # The code just shown proves the member: the first recovery codes come with the new factor.
    codes = await recovery.issue_codes(db_session, member, client_ip(request))
    response = await _page(request, db_session, principal, codes=codes)
    set_session_cookie(response, settings, sign_in.issue_access(settings, member))  # the others ended
    return response


@post(f"{PAGE}/totp/disable", opt=access(APPLICANT))
async def disable_totp(
    request: Request, db_session: AsyncSession, settings: Settings, principal: Principal
) -> Response:
    password, code = _reauth(await form_of(request))
    try:
        await sign_in.totp_disable(db_session, settings, principal, password, code, client_ip(request))
    except AppError as exc:
        await db_session.rollback()
        return await _page(request, db_session, principal, errors=_errors(request, exc), status_code=exc.status_code)
    member = await members.get_member(db_session, principal.id)
    response = redirect(PAGE, flash="second_factor_off")
    set_session_cookie(response, settings, sign_in.issue_access(settings, member))
    return response


ROUTES = [security_page, make_recovery_codes, start_totp, enable_totp, disable_totp]
