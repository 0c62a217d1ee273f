"""Notifications in the pages: the bell with the unread count (and an expert's waiting offers) in
the header of every signed-in page, the notifications page, and the bell's poll.

Live updates are htmx polling, not server-sent events: every app process can answer a poll from
the database alone (no pub/sub between N stateless processes, no connection held per open tab),
and a poll that finds nothing new is one or two indexed counts answered with 204 No Content,
which htmx does not swap (base.html's responseHandling). The page sends what it shows (`v`);
only a changed count costs a render. A client that is not htmx may use the ETag instead
(If-None-Match -> 304).
"""

import logging
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import reads
from expertnet.core.auth import APPLICANT, Principal, access
from expertnet.notifications import service
from expertnet.web.common import form_of, is_htmx, redirect, render, safe_next, text

log = logging.getLogger(__name__)

PAGE_SIZE = 25
BELL_POLL_SECONDS = 15
STATE_KEY = "header_counts"


async def header_counts(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """What the header shows: unread notifications, and for an expert the offers waiting for an
    answer. `key` changes whenever either does (the poll's change check and ETag)."""
    unread = await service.unread_count(session, principal.id, service.visible_kinds(principal))
    offers = None
    if principal.role == "expert" and principal.is_vetted:
        offers = len(await reads.waiting_offer_ids(session, principal.id))
    return {"unread": unread, "offers": offers, "key": _key(unread, offers)}


def _key(unread: int, offers: int | None) -> str:
    return f"{unread}.{'-' if offers is None else offers}"


async def load_header_counts(request: Request) -> None:
    """before_request of the page router: the counts for base.html's header, for what a browser
    shows as a page (it asks for text/html; htmx fragments and scripts' fetches do not, and have
    no header). A failure only hides the bell: the page still renders."""
    principal = request.scope.get("user")
    if principal is None or is_htmx(request) or "text/html" not in request.headers.get("accept", ""):
        return None
    try:
        async with request.app.state.db.read_session() as session:
            request.state[STATE_KEY] = await header_counts(session, principal)
    except Exception:  # noqa: BLE001 - the page's own work decides whether the database is down
        log.warning("header counts unavailable", exc_info=True)
    return None


async def seen_consultation(
    request: Request, session: AsyncSession, principal: Principal, consultation_id: int
) -> None:
    """The member opened a consultation's page: its notifications are read, and the header (whose
    counts were taken before the page's handler ran) shows the count without them."""
    marked = await service.read_for_consultation(session, principal, consultation_id)
    counts = request.state.get(STATE_KEY)
    if marked and counts:
        unread = max(0, counts["unread"] - marked)
        counts.update(unread=unread, key=_key(unread, counts["offers"]))


@get("/notifications/bell", opt=access(APPLICANT, read_only=True))
async def bell(
    request: Request,
    db_session: AsyncSession,
    principal: Principal,
    v: Annotated[str, Parameter(max_length=40)] = "",
) -> Response:
    """The header's counts as a fragment; 204 when they are what the page shows (`v`)."""
    counts = await header_counts(db_session, principal)
    etag = f'"bell-{principal.id}-{counts["key"]}"'
    if v == counts["key"]:
        return Response(content=b"", status_code=204)
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers={"etag": etag})
    response = render(request, "partials/header_counts.html", {"hc": counts})
    response.headers["etag"] = etag
    return response


@get("/notifications", opt=access(APPLICANT))
async def notifications_page(
    request: Request,
    db_session: AsyncSession,
    principal: Principal,
    unread: bool = False,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
) -> Response:
    page = await service.page(db_session, principal, unread_only=unread, offset=offset, limit=PAGE_SIZE)
    urgency = await reads.urgencies_of_notified(
        db_session, [n.consultation_id for n in page.items if n.consultation_id is not None]
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "urgency": urgency, "unread_only": unread, "offset": offset, "limit": PAGE_SIZE},
    )


@post("/notifications/{notification_id:int}/read", opt=access(APPLICANT))
async def mark_read(request: Request, db_session: AsyncSession, principal: Principal, notification_id: int) -> Response:
    """Marks one read; "open" then goes to what it is about (a desk path, checked again)."""
    data = await form_of(request)
    notification = await service.read_one(db_session, principal, notification_id)
    if text(data, "go") == "open":
        return redirect(safe_next(notification.url, "/notifications"))
    return redirect(safe_next(text(data, "next"), "/notifications"))


@post("/notifications/read-all", opt=access(APPLICANT))
async def mark_all_read(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    data = await form_of(request)
    await service.read_all(db_session, principal)
    return redirect(safe_next(text(data, "next"), "/notifications"))


ROUTES = [bell, notifications_page, mark_read, mark_all_read]
