"""Request-scoped dependencies: one session per request, committed when the handler succeeds."""

from collections.abc import AsyncGenerator

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core.auth import Principal
from expertnet.db import commit, rollback


async def provide_db_session(state: State, request: Request) -> AsyncGenerator[AsyncSession, None]:
    db = state.db
    read_only = bool(request.route_handler.opt.get("read_only"))
    async with (db.read_sessionmaker if read_only else db.sessionmaker)() as session:
        try:
            yield session
        except BaseException:
            await rollback(session)  # commits what the service kept (audited denials, failed logins)
            raise
        await commit(session)
        if session.info.get("outbox_dirty") and state.settings.inline_worker:
            # Embedded default: the app is its own worker, in a background task (app.Drainer);
            # the request answers now and never waits for e-mail or other requests' work.
            state.drainer.wake()


def provide_settings(state: State) -> Settings:
    return state.settings


def provide_search(state: State):
    """The app's search client (`AsyncSearch`, made once in create_app), for handlers that search."""
    return state.search


def provide_principal(request: Request) -> Principal | None:
    return request.scope.get("user")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
