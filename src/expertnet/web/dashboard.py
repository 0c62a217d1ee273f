"""The start page: what needs doing now, per role."""

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.auth import PUBLIC, Principal, access
from expertnet.core.deps import client_ip
from expertnet.members import service as members
from expertnet.web import desk
from expertnet.web.common import redirect, render


@get("/", opt=access(PUBLIC))
async def dashboard(request: Request, db_session: AsyncSession, principal: Principal | None) -> Response:
    if principal is None:
        return redirect("/login")
    if not principal.is_vetted:
        return redirect("/application")
    context: dict = {}
    if principal.role == "admin":
        pending = await members.list_members(db_session, status="pending", role=None, q=None, offset=0, limit=1)
        context["pending_count"] = pending.total
    context.update(await desk.dashboard_context(db_session, principal, client_ip(request)))
    return render(request, "dashboard.html", context)


ROUTES = [dashboard]
