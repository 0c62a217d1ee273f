"""Error rendering and security headers, on every response including 404 and 500."""

import logging
import re

from litestar import MediaType, Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Message, Scope

from expertnet.core.errors import AppError

log = logging.getLogger("expertnet")

RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE = "the database is not available at the moment; nothing was lost, please try again in a minute"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


async def security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    path = scope.get("path", "")
    # Case data must not be cached by browsers or proxies; the only exception is static assets.
    if not path.startswith("/static/"):
        headers["cache-control"] = "no-store"


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _render(request: Request, status: int, detail: str, errors: list[dict]) -> Response:
    engine = getattr(request.app, "template_engine", None)
    if wants_html(request) and engine is not None:
        try:
            return Response(
                content=engine.get_template("error.html").render(
                    status_code=status, detail=detail, errors=errors, request=request
                ),
                status_code=status,
                media_type=MediaType.HTML,
            )
        except Exception:  # noqa: BLE001 - fall back to JSON if the template itself fails
            log.exception("error page failed to render")
    body = {"status_code": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(content=body, status_code=status, media_type=MediaType.JSON)


def app_error_handler(request: Request, exc: AppError) -> Response:
    response = _render(
        request, exc.status_code, exc.detail, [{"field": e.field, "reason": e.reason} for e in exc.errors]
    )
    if exc.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


MAX_FIELD_ERRORS = 20  # an answer names at most this many field errors, each once


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    errors: list[dict] = []
    seen: set[tuple[str, str]] = set()
    total = 0
    for item in exc.extra or []:
        if isinstance(item, dict):
            error = (str(item.get("key") or item.get("source") or "")[:200], str(item.get("message", ""))[:500])
            if error in seen:
                continue
            seen.add(error)
            total += 1
            if len(errors) < MAX_FIELD_ERRORS:
                errors.append({"field": error[0], "reason": error[1]})
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]) or exc.detail
    if total > len(errors[:5]):
        detail += f" (and {total - len(errors[:5])} more)"
    return _render(request, 400, detail, errors)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    return _render(request, exc.status_code, exc.detail, [])


_SCHEMA_ERROR = re.compile(r"no such (table|column)|syntax error|has no column|no column named", re.IGNORECASE)


def database_unavailable(exc: BaseException) -> bool:
    """Whether this error (or one it came from) says the database cannot be reached or is shutting
    down, as opposed to a bug: connection refused or lost, admin shutdown, pool exhausted, locked."""
    from sqlalchemy import exc as sa_exc

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.OperationalError) and _SCHEMA_ERROR.search(str(current.orig)):
            return False  # SQLite reports a missing table or a bad statement so too: a bug, not an outage
        if isinstance(current, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (ConnectionError, TimeoutError)) or (
            isinstance(current, OSError) and current.errno is not None and "connect" in str(current).lower()
        ):
            return True
        if type(current).__module__.startswith("asyncpg") and type(current).__name__ in {
            "CannotConnectNowError",
            "AdminShutdownError",
            "CrashShutdownError",
            "ConnectionDoesNotExistError",
            "ConnectionFailureError",
            "TooManyConnectionsError",
            "InterfaceError",
            "InternalClientError",
        }:
            return True
        current = current.__cause__ or current.__context__
    return False


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        response = _render(request, 503, DATABASE_UNAVAILABLE, [])
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    # Never show a trace, SQL or the exception text to the client.
    return _render(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal server error", [])
