"""Error rendering and security headers, on every response including 404 and 500."""
import logging

from litestar import MediaType, Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Message, Scope

from expertnet.core.errors import AppError

log = logging.getLogger("expertnet")

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
    if wants_html(request) and getattr(request.app, "template_engine", None) is not None:
        try:
            return Response(
                content=request.app.template_engine.get_template("error.html").render(
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
    return _render(request, exc.status_code, exc.detail, [{"field": e.field, "reason": e.reason} for e in exc.errors])


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


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    # Never show a trace, SQL or the exception text to the client.
    return _render(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal server error", [])
