"""Page sessions that follow the work (issue 14).

- `SessionKeepMiddleware` (after the auth middleware): an active page session is renewed once past
  half its idle window; the new cookie rides on the response. A form kept after expiry is
  handed to the page that shows it, once, when its author opens that page signed in again.
- `keep_form_on_expiry` (an app guard before `authorize`, so after the CSRF check): a page form
  posted after the session ended is kept in the database for its author (see sessions.service)
  before the visitor is sent to sign in; the login page brings them back to the form.
- `/session/status` (does not count as activity) and `/session/renew` (the "stay signed in"
  button of static/session.js, a POST with the CSRF token like every form).
"""

import re
from typing import Any
from urllib.parse import urlsplit

from litestar import MediaType, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from expertnet.config import Settings
from expertnet.core import clock
from expertnet.core.auth import APPLICANT, COOKIE_NAME, PUBLIC, Principal, access, is_api_path
from expertnet.core.security import ACCESS, InvalidToken, TokenClaims, decode_token
from expertnet.sessions import service as sessions

DRAFT_COOKIE = "expertnet_draft"
STATUS_PATH = "/session/status"
# Requests a page makes by itself, not the person: the session status and the polls of the bell,
# the ticket and the offer list (web.notifications, web.live). They do not renew the session.
PASSIVE_PATHS = re.compile(r"^/(?:session/status|notifications/bell|offers/live|consultations/\d+/live)$")
STATE_KEY = "expertnet_page_session"  # in scope["state"]: what this request knows of its session


def session_cookie(settings: Settings, token: str, ends_at: int) -> Cookie:
    """The page session cookie. The browser keeps it until the absolute cap; the server decides
    from the token's `exp` whether it is still good (an expired one still says whose it was)."""
    return Cookie(
        key=COOKIE_NAME,
        value=token,
        max_age=max(0, ends_at - int(clock.time())),
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )


def _draft_cookie(key: str, max_age: int) -> Cookie:
    return Cookie(key=DRAFT_COOKIE, value=key, max_age=max_age, path="/", secure=True, httponly=True, samesite="lax")


def _state(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {}).setdefault(STATE_KEY, {})


def page_session(request: Request) -> dict[str, Any] | None:
    """For the page templates: when this session ends and when to warn (epoch seconds), or None."""
    if request.scope.get("user") is None:
        return None
    info = _state(request.scope)
    if "expires_at" not in info:
        return None
    settings: Settings = request.app.state.settings
    return {
        "expires_at": info["expires_at"],
        "ends_at": info["ends_at"],
        "now": int(clock.time()),
        "warn_seconds": settings.session_warn_minutes * 60,
    }


def restored_form(request: Request) -> dict[str, Any] | None:
    """The fields of a form kept after expiry, when this request is the page that shows it."""
    return _state(request.scope).get("restored")


def kept_draft(request: Request) -> tuple[str, str, int] | None:
    """(key, page, max_age) of a form just kept by `keep_form_on_expiry` (for the login redirect)."""
    return _state(request.scope).get("kept")


class SessionKeepMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or is_api_path(path) or path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        claims, user = scope.get("auth"), scope.get("user")
        if not isinstance(claims, TokenClaims) or user is None:
            await self.app(scope, receive, send)
            return
        settings: Settings = scope["app"].state.settings
        info = _state(scope)
        info.update(expires_at=claims.expires_at, ends_at=claims.session_start + settings.session_max_hours * 3600)
        headers: list[tuple[bytes, bytes]] = []
        passive = bool(PASSIVE_PATHS.match(path))
        renewed = None if passive else sessions.renewal(settings, claims)
        if renewed is not None:
            info.update(expires_at=renewed.expires_at, ends_at=renewed.ends_at)
            headers.append(session_cookie(settings, renewed.token, renewed.ends_at).to_encoded_header())
        draft_key = _cookie(scope, DRAFT_COOKIE)
        if draft_key and connection_method(scope) == "GET" and not passive:
            db, page, fields = scope["app"].state.db, _page_of(scope), None
            async with db.read_session() as session:  # no write lock on pages that have no kept form
                waits = await sessions.form_waits(session, draft_key, user.id, page)
            if waits:
                async with db.session() as session:
                    fields = await sessions.take_form(session, draft_key, user.id, page)
            if fields is not None:
                info["restored"] = fields
                headers.append(_draft_cookie("", 0).to_encoded_header())

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and headers:
                existing = list(message.get("headers", []))
                sets_session = any(
                    name.lower() == b"set-cookie" and value.startswith(COOKIE_NAME.encode() + b"=")
                    for name, value in existing
                )
                # A response that sets the session cookie itself (sign-in, sign-out) wins.
                extra = [h for h in headers if not (sets_session and h[1].startswith(COOKIE_NAME.encode() + b"="))]
                message = {**message, "headers": existing + extra}
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def connection_method(scope: Scope) -> str:
    """The HTTP method, or "" for a websocket."""
    return str(scope.get("method", "")) if scope["type"] == "http" else ""


def _cookie(scope: Scope, name: str) -> str:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return ""


def _page_of(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return scope["path"] + ("?" + query if query else "")


def _form_page(value: Any, fallback: str) -> str:
    """The page the form was on: what session.js put in `_form_page`, else the form's own path
    (our forms post to the address that shows them, or to one below it)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and len(value) <= 2000:
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc and "\\" not in value:
            return parts.path + ("?" + parts.query if parts.query else "")
    return fallback


async def keep_form_on_expiry(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App guard, before `authorize`: a page form posted without a live session, by a browser that
    holds a signed session cookie of ours (expired or revoked), is kept for that member; then the
    visitor is sent to sign in as before. Anonymous posts keep nothing (no one to give it back to)."""
    scope = connection.scope
    if connection_method(scope) != "POST" or is_api_path(scope["path"]):
        return
    if scope.get("user") is not None or handler.opt.get("access") in (None, PUBLIC):
        return
    token = connection.cookies.get(COOKIE_NAME)
    if not token or not isinstance(connection, Request):
        return
    settings: Settings = connection.app.state.settings
    try:
        claims = decode_token(settings, token, ACCESS, check_expiry=False)
    except InvalidToken:
        return
    form = await connection.form()
    fields: dict[str, Any] = {}
    for name in form.keys():
        values = form.getall(name)
        fields[name] = values if len(values) > 1 else values[0]
    page = _form_page(fields.get("_form_page"), scope["path"])
    async with connection.app.state.db.session() as session:
        key = await sessions.keep_form(
            session,
            settings,
            claims.member_id,
            page,
            fields,
            ip=connection.client.host if connection.client else "",
        )
    if key is not None:
        _state(scope)["kept"] = (key, page, settings.form_draft_minutes * 60)
    raise NotAuthorizedException("your session has ended; sign in again")


def with_kept_draft(request: Request, response: Response) -> str | None:
    """Give the browser the key of a form just kept; returns the page to come back to."""
    kept = kept_draft(request)
    if kept is None:
        return None
    key, page, max_age = kept
    response.set_cookie(_draft_cookie(key, max_age))
    return page


# --------------------------------------------------------------------------- routes


@get(STATUS_PATH, opt=access(PUBLIC, read_only=True), name="session_status")
async def session_status(request: Request) -> Response:
    """When this browser's session ends. Reading it is not activity: an idle tab stays idle."""
    info = page_session(request)
    body: dict[str, Any] = {"signed_in": info is not None, "now": int(clock.time())}
    if info is not None:
        body.update(expires_at=info["expires_at"], ends_at=info["ends_at"], warn_seconds=info["warn_seconds"])
    return Response(body, media_type=MediaType.JSON, headers={"Cache-Control": "no-store"})


@post("/session/renew", opt=access(APPLICANT), status_code=200)
async def session_renew(request: Request, settings: Settings, principal: Principal) -> Response:
    """The "stay signed in" button: a new idle window now (never past the absolute cap)."""
    claims = request.scope.get("auth")
    assert isinstance(claims, TokenClaims)  # a signed-in page request always has its claims
    renewed = sessions.renewal(settings, claims, force=True)
    info = _state(request.scope)
    if renewed is not None:
        info.update(expires_at=renewed.expires_at, ends_at=renewed.ends_at)
    body = {"signed_in": True, "now": int(clock.time()), "expires_at": info["expires_at"], "ends_at": info["ends_at"]}
    response = Response(body, media_type=MediaType.JSON, headers={"Cache-Control": "no-store"})
    if renewed is not None:
        response.set_cookie(session_cookie(settings, renewed.token, renewed.ends_at))
    return response


ROUTES = [session_status, session_renew]
