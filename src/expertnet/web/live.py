"""Live updates of an open ticket and of an expert's offer list, by htmx polling (see
web.notifications for why polling and not server-sent events).

A poll runs in a read-only unit of work (on SQLite it never takes the write lock) and first asks
only "has anything changed?": the consultation's version (every change bumps it) or the set of
the expert's open offers. Unchanged: 204 No Content, nothing rendered, nothing audited. Changed:
the content is read through the desk's audited reads, in a writing unit of work of its own, so the
audit log gets one entry per change a viewer is shown, not one per poll. Object-level access is
checked on every poll (a stranger gets the same 404 as on the page, and the denial is logged).
"""

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import reads
from expertnet.consultations.access import ADMIN, ASSIGNED, REQUESTER, audit_read
from expertnet.core.auth import EXPERT, MEMBER, Principal, access
from expertnet.web.common import render
from expertnet.web.consultations import STATUS_PATTERN, _offers_context, ctx_of

TICKET_POLL_SECONDS = 10
OFFERS_POLL_SECONDS = 15
NO_CHANGE = 204


def _unchanged() -> Response:
    return Response(content=b"", status_code=NO_CHANGE)


@get("/consultations/{consultation_id:int}/live", opt=access(MEMBER, read_only=True))
async def ticket_live(
    request: Request,
    db_session: AsyncSession,
    principal: Principal,
    consultation_id: int,
    v: Annotated[int, Parameter(ge=0, le=2**31)] = 0,
    s: Annotated[str, Parameter(pattern=STATUS_PATTERN)] = "",
    m: bool = False,
) -> Response:
    """`v`: the version the page shows, `s`: its status, `m`: whether it shows the messages."""
    ctx = ctx_of(request, principal)
    version, status, role = await reads.live_state(db_session, ctx, consultation_id)
    if version == v:
        return _unchanged()
    context: dict[str, Any] = {"c_id": consultation_id, "version": version, "status": status, "page_status": s}
    show_messages = m and role in (REQUESTER, ASSIGNED, ADMIN)
    async with request.app.state.db.session() as session:
        if show_messages:
            context["messages"] = await reads.messages(session, ctx, consultation_id)
        else:
            await audit_read(session, ctx, consultation_id, "live", status=status)
    context["show_messages"] = show_messages
    return render(request, "partials/ticket_live.html", context)


@get("/offers/live", opt=access(EXPERT, read_only=True))
async def offers_live(
    request: Request,
    db_session: AsyncSession,
    principal: Principal,
    v: Annotated[str, Parameter(max_length=40)] = "",
) -> Response:
    """The expert's offer list when the set of open offers changed (`v`: the page's fingerprint)."""
    key = reads.offers_fingerprint(await reads.waiting_offer_ids(db_session, principal.id))
    if key == v:
        return _unchanged()
    async with request.app.state.db.session() as session:
        context = await _offers_context(request, session, principal)
    return render(request, "partials/offer_list.html", context)


ROUTES = [ticket_live, offers_live]
