"""Request limits, checked before anything parses the request (SECURITY.md items 12-13).

An ASGI middleware placed in front of authentication, CSRF and the handlers:
- body size per route: sign-in, token refresh and the other small auth bodies a few KB,
  registration enough for the longest application, other JSON and form bodies a modest cap,
  multipart uploads their configured maximum; 413 when over (by Content-Length or while reading);
- JSON: nesting depth and number of values; forms: number of fields; 400 when over;
- integer path parameters outside 1..2^31-1 (PostgreSQL's int4, used everywhere): 404;
- control characters in query parameters and path parameters: 400 naming the parameter.

The checks on a buffered body use C-level bytes operations (translate, count, one regex for
strings), so a 512 KB body costs a few milliseconds whatever its shape.
"""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl

from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from expertnet.config import Settings
from expertnet.core.errors import AppError, BadRequest, FieldError, NotFound

KB = 1024
INT_MIN, INT_MAX = 1, 2**31 - 1  # ids are serial int4 on PostgreSQL; SQLite's int64 is wider, so use int4 everywhere
MAX_JSON_DEPTH = 32
MAX_JSON_VALUES = 20_000  # a broadcast names up to 10,000 members
MAX_FORM_FIELDS = 500
MAX_QUERY_PARAMS = 100

# (path pattern, body limit in bytes); the first match wins. Anchored: see SECURITY.md on exclude=.
SMALL_AUTH = 8 * KB
REGISTRATION = 128 * KB  # bio 8,000 + statement 4,000 + specialties 30 x 200 characters, even \u-escaped
DEFAULT_BODY = 512 * KB  # the longest opinion (3 x 20,000 characters), even \u-escaped
ROUTE_LIMITS = (
    (re.compile(r"^/api/v1/auth/register/?$"), REGISTRATION),
    (re.compile(r"^/register/?$"), REGISTRATION),
    (re.compile(r"^/api/v1/auth/"), SMALL_AUTH),
    (re.compile(r"^/(login|logout|language)/?$"), SMALL_AUTH),
)
UPLOAD_ROUTES = (
    re.compile(r"^/api/v1/consultations/\d+/attachments/?$"),
    re.compile(r"^/consultations/\d+/attachments/?$"),
    re.compile(r"^/consultations/new/?$"),
    re.compile(r"^(/api/v1)?/consultations/\d+/objects/import/?$"),  # CSV of objects
)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class PayloadTooLarge(AppError):
    def __init__(self, limit: int):
        super().__init__(413, f"request body too large: at most {_size(limit)} on this route")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n // KB} KB"


@dataclass(frozen=True)
class Limits:
    upload_max_bytes: int

    def body_limit(self, path: str, content_type: str) -> int:
        if content_type.startswith("multipart/form-data") and any(p.match(path) for p in UPLOAD_ROUTES):
            return self.upload_max_bytes + 1024 * KB
        for pattern, limit in ROUTE_LIMITS:
            if pattern.match(path):
                return limit
        return DEFAULT_BODY


def json_shape(body: bytes) -> tuple[int, int]:
    """(deepest nesting, number of values) of a JSON text, counted without parsing it."""
    bare = _JSON_STRING.sub(b'""', body)
    values = bare.count(b":") + bare.count(b",") + 1
    depth = deepest = 0
    for byte in bare.translate(None, _NOT_BRACKETS):
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        else:
            depth -= 1
    return deepest, values


def check_json(body: bytes) -> None:
    depth, values = json_shape(body)
    if depth > MAX_JSON_DEPTH:
        raise BadRequest(f"request body: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if values > MAX_JSON_VALUES:
        raise BadRequest(f"request body: more than {MAX_JSON_VALUES} JSON values")


def check_form(body: bytes) -> None:
    if body.count(b"&") + 1 > MAX_FORM_FIELDS:
        raise BadRequest(f"request body: more than {MAX_FORM_FIELDS} form fields")


def control_character(value: str, *, allow_newlines: bool = False) -> bool:
    """True when the text holds a control character (NUL, ESC, DEL, C1...); tab and newlines
    are allowed only where the text may span lines."""
    for ch in value:
        if unicodedata.category(ch) == "Cc" and not (allow_newlines and ch in "\t\n\r"):
            return True
    return False


def _check_params(scope: Scope) -> None:
    for name, value in (scope.get("path_params") or {}).items():
        if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
            raise NotFound("not found")
        if isinstance(value, str) and control_character(value):
            raise BadRequest(
                f"{name}: must not contain control characters",
                [FieldError(name, "must not contain control characters")],
            )
    raw = scope.get("query_string") or b""
    if raw:
        if raw.count(b"&") >= MAX_QUERY_PARAMS:
            raise BadRequest(f"query: more than {MAX_QUERY_PARAMS} parameters")
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if control_character(name) or control_character(value):
                label = name if not control_character(name) else "query"
                raise BadRequest(
                    f"{label}: must not contain control characters",
                    [FieldError(label, "must not contain control characters")],
                )


class LimitsMiddleware:
    """Wired in app.py as the outermost app middleware (so it runs before auth and CSRF)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.limits = Limits(settings.upload_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        _check_params(scope)
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.limits.body_limit(scope.get("path", ""), content_type)
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    raise PayloadTooLarge(limit)
            except ValueError:
                raise BadRequest("content-length: not a number") from None
        if content_type.startswith("multipart/form-data"):
            # Streamed through (the multipart parser caps the number of parts); only the size is counted.
            await self.app(scope, _counting(receive, limit), send)
            return
        body = await _read(receive, limit)
        if content_type.startswith("application/x-www-form-urlencoded"):
            check_form(body)
        elif body.lstrip()[:1] in (b"{", b"["):
            check_json(body)
        await self.app(scope, _replay(body, receive), send)


async def _read(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            request: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return request
        return await receive()

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> ReceiveMessage:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise PayloadTooLarge(limit)
        return message

    return counted
