"""create_app(): plugins, middleware, routers, exception handlers.

Also where the parts meet: the auth middleware gets members' principal loader, members get the
experts' profile side, and handlers get the search client as the `search` dependency.
"""

import asyncio
import logging
import threading
from pathlib import Path

from litestar import Litestar, MediaType, Request, Response, Router, get
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from sqlalchemy import text

from expertnet.admin import controllers as admin_api
from expertnet.config import ConfigError, Settings, get_settings
from expertnet.consultations import attachments
from expertnet.consultations import attachments_controllers as attachments_api
from expertnet.consultations import controllers as consultations_api
from expertnet.core import outbox
from expertnet.core.auth import PUBLIC, AuthMiddleware, access, authorize
from expertnet.core.deps import provide_db_session, provide_principal, provide_search, provide_settings
from expertnet.core.errors import AppError
from expertnet.core.limits import LimitsMiddleware
from expertnet.core.http import (
    RETRY_AFTER_SECONDS,
    app_error_handler,
    http_error_handler,
    internal_error_handler,
    security_headers,
    validation_error_handler,
)
from expertnet.core.security import use_hash_profile
from expertnet.db import Database
from expertnet.experts import service as experts
from expertnet.experts.controllers import ExpertProfileController
from expertnet.members import service as members
from expertnet.members.auth import load_principal
from expertnet.members.controllers import AuthController, MeController, VettingController
from expertnet.notifications import controllers as notifications_api
from expertnet.notifications import service as notifications_service
from expertnet.objects import controllers as objects_api
from expertnet.retention import controllers as retention_api
from expertnet.search import controllers as search_api
from expertnet.search import single_process
from expertnet.search.indexer import get_search
from expertnet.web import routes as pages
from expertnet.web import templating
from expertnet.web.session_keep import SessionKeepMiddleware, keep_form_on_expiry
from expertnet.matching.warm import warm_up
from expertnet.worker import register_handlers, run_jobs

log = logging.getLogger("expertnet")

ROOT = Path(__file__).resolve().parents[2]


HEALTH_TIMEOUT_SECONDS = 3.0


async def _database_answers(db: Database) -> bool:
    async def probe() -> None:
        async with db.read_sessionmaker() as session:
            await session.execute(text("SELECT 1"))
            await session.rollback()

    try:
        await asyncio.wait_for(probe(), HEALTH_TIMEOUT_SECONDS)
        return True
    except Exception as exc:  # noqa: BLE001 - health reports, it does not fail
        log.warning("health: database does not answer: %s: %s", type(exc).__name__, exc)
        return False


async def _search_answers(search) -> tuple[bool, dict]:
    if search is None:
        return True, {}
    try:
        report = await asyncio.wait_for(search.health(), HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001
        log.warning("health: search engine does not answer: %s: %s", type(exc).__name__, exc)
        return False, {"error": type(exc).__name__}
    return bool(report.get("ok", True)), report


@get("/health", opt=access(PUBLIC, read_only=True), tags=["ops"])
async def health(request: Request, state: State) -> Response:
    """200 when the database and the search engine answer, else 503 naming the part that is down.

    Anyone (a load balancer) gets only the parts' states; an administrator also gets the details
    (database kind, outbox backlog, index state)."""
    db: Database = state.db
    search = getattr(state, "search", None)
    db_ok, (search_ok, search_report) = await asyncio.gather(_database_answers(db), _search_answers(search))
    parts = {"database": "ok" if db_ok else "unavailable", "search": "ok" if search_ok else "unavailable"}
    down = [name for name, value in parts.items() if value != "ok"]
    body: dict = {"status": "ok" if not down else "unavailable", **parts}
    if down:
        body["detail"] = " and ".join(down) + (" is" if len(down) == 1 else " are") + " not answering"
    principal = request.scope.get("user")
    if db_ok and principal is not None and principal.is_admin:
        async with db.read_sessionmaker() as session:
            body["details"] = {"database": db.dialect, "outbox": await outbox.backlog(session), "search": search_report}
    headers = {} if not down else {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return Response(body, status_code=200 if not down else 503, headers=headers, media_type=MediaType.JSON)


class Drainer:
    """The embedded default's worker: a background task that drains the outbox when woken.

    A request that committed events wakes it (core/deps.py) and answers at once: it never waits
    for e-mail or for other requests' work. Errors are logged and retried after a pause."""

    def __init__(self, db: Database):
        self.db = db
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def wake(self) -> None:
        self._wake.set()
        self._idle.clear()

    async def run(self) -> None:
        backoff = 0.0
        while True:
            if not self._wake.is_set():
                self._idle.set()
            await self._wake.wait()
            self._wake.clear()
            try:
                await outbox.drain(self.db)
                backoff = 0.0
            except Exception:  # noqa: BLE001 - the database may be down; try again later
                backoff = min(30.0, max(1.0, backoff * 2))
                log.exception("background outbox drain failed; retrying in %.0f s", backoff)
                await asyncio.sleep(backoff)
                self._wake.set()

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until the drainer has nothing left to do (tests, and shutdown)."""
        await asyncio.wait_for(self._idle.wait(), timeout)


def route_handlers() -> list:
    # Domain packages expose `ROUTES` (a list of controllers / handlers) from their route modules.
    modules = (
        search_api,
        consultations_api,
        attachments_api,
        objects_api,
        notifications_api,
        admin_api,
        retention_api,
        pages,
    )
    return [
        health,
        AuthController,
        MeController,
        VettingController,
        ExpertProfileController,
        *(h for m in modules for h in m.ROUTES),
    ]


def template_config() -> TemplateConfig:
    return TemplateConfig(
        directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=templating.configure
    )


def create_app(settings: Settings | None = None, db: Database | None = None) -> Litestar:
    settings = settings or get_settings()
    use_hash_profile(settings)
    db = db or Database(settings)
    register_handlers(settings)
    members.use_expert_profiles(experts.PROFILES)
    members.use_member_news(notifications_service.notify)

    drainer = Drainer(db)
    jobs: list[asyncio.Task] = []
    embedded_lock: list = []

    async def periodic_jobs() -> None:
        # Embedded default: no separate worker process, so offers still expire and move on by themselves.
        while True:
            await asyncio.sleep(settings.job_interval_seconds)
            drainer.wake()  # also retries events whose backoff ran out
            try:
                await run_jobs(db)
            except Exception:  # noqa: BLE001 - keep the loop alive; the error is logged
                log.exception("periodic jobs failed")

    async def on_startup() -> None:
        try:  # one app process per embedded index: a second one refuses to start
            embedded_lock.append(single_process.acquire(settings))
        except ConfigError as exc:
            log.error("%s", exc)
            raise
        attachments.sweep_stale_temp_files(settings)
        if settings.warm_up:
            # The sentence encoder and the vocabulary's indexes take seconds to load: in a thread
            # now, not in the first official's search or request.
            threading.Thread(target=warm_up, args=(settings,), name="expertnet-warm-up", daemon=True).start()
        if settings.inline_worker:
            jobs.append(asyncio.create_task(drainer.run()))
            drainer.wake()  # what was left from before a restart
        if settings.background_jobs:
            jobs.append(asyncio.create_task(periodic_jobs()))

    async def on_shutdown() -> None:
        for task in jobs:
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await db.dispose()
        while embedded_lock:
            single_process.release(embedded_lock.pop())

    return Litestar(
        route_handlers=route_handlers(),
        state=State({"settings": settings, "db": db, "search": get_search(settings), "drainer": drainer}),
        dependencies={
            "db_session": Provide(provide_db_session),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "search": Provide(provide_search, sync_to_thread=False),
        },
        middleware=[
            DefineMiddleware(LimitsMiddleware, settings=settings),  # before auth, CSRF and any parsing
            DefineMiddleware(AuthMiddleware, load_principal=load_principal, exclude=[r"^/static/"]),
            SessionKeepMiddleware,  # page sessions: sliding renewal, kept forms given back (issue 14)
        ],
        guards=[keep_form_on_expiry, authorize],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=True,
            cookie_httponly=True,
            cookie_samesite="strict",
            header_name="x-csrftoken",
            # Only routes that authenticate by Bearer token and never by cookie are exempt.
            exclude=[r"^/api/"],
        ),
        exception_handlers={
            AppError: app_error_handler,
            ValidationException: validation_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        before_send=[security_headers],
        openapi_config=OpenAPIConfig(
            title="expertnet",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            # The API description is public, like the login form; every operation in it is guarded.
            openapi_router=Router(path="/schema", route_handlers=[], opt=access(PUBLIC)),
        ),
        template_config=template_config(),
        request_max_body_size=settings.upload_max_bytes + 1024 * 1024,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=False,
    )
