"""create_app(): plugins, middleware, routers, exception handlers.

Also where the parts meet: the auth middleware gets members' principal loader, members get the
experts' profile side, and handlers get the search client as the `search` dependency.
"""
import asyncio
import logging
from pathlib import Path

from litestar import Litestar, Router, get
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
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.admin import controllers as admin_api
from expertnet.config import ConfigError, Settings, get_settings
from expertnet.consultations import attachments_controllers as attachments_api
from expertnet.consultations import controllers as consultations_api
from expertnet.core import outbox
from expertnet.core.auth import PUBLIC, AuthMiddleware, access, authorize
from expertnet.core.deps import provide_db_session, provide_principal, provide_search, provide_settings
from expertnet.core.errors import AppError
from expertnet.core.limits import LimitsMiddleware
from expertnet.core.http import (
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
from expertnet.retention import controllers as retention_api
from expertnet.search import controllers as search_api
from expertnet.search import single_process
from expertnet.search.indexer import get_search
from expertnet.web import routes as pages
from expertnet.web import templating
from expertnet.worker import register_handlers, run_jobs

log = logging.getLogger("expertnet")
ROOT = Path(__file__).resolve().parents[2]


@get("/health", opt=access(PUBLIC, read_only=True), tags=["ops"])
async def health(db_session: AsyncSession, state: State) -> dict:
    """Database reachability, outbox backlog and search index state."""
    await db_session.execute(text("SELECT 1"))
    report = {"status": "ok", "database": state.db.dialect, "outbox": await outbox.backlog(db_session)}
    search = getattr(state, "search", None)
    if search is not None:
        try:
            report["search"] = await search.health()
        except Exception as exc:  # noqa: BLE001 - health must report, not fail
            report["status"] = "degraded"
            report["search"] = {"status": "unavailable", "error": type(exc).__name__}
    return report


def route_handlers() -> list:
    # Domain packages expose `ROUTES` (a list of controllers / handlers) from their route modules.
    modules = (search_api, consultations_api, attachments_api, notifications_api, admin_api, retention_api, pages)
    return [health, AuthController, MeController, VettingController, ExpertProfileController, *(h for m in modules for h in m.ROUTES)]


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=templating.configure)


def create_app(settings: Settings | None = None, db: Database | None = None) -> Litestar:
    settings = settings or get_settings()
    use_hash_profile(settings)
    db = db or Database(settings)
    register_handlers(settings)
    members.use_expert_profiles(experts.PROFILES)

    jobs: list[asyncio.Task] = []
    embedded_lock: list = []

    async def periodic_jobs() -> None:
        # Embedded default: no separate worker process, so offers still expire and move on by themselves.
        while True:
            await asyncio.sleep(settings.job_interval_seconds)
            try:
                await outbox.drain(db)
                await run_jobs(db)
            except Exception:  # noqa: BLE001 - keep the loop alive; the error is logged
                log.exception("periodic jobs failed")

    async def on_startup() -> None:
        try:  # one app process per embedded index: a second one refuses to start
            embedded_lock.append(single_process.acquire(settings))
        except ConfigError as exc:
            log.error("%s", exc)
            raise
        if settings.background_jobs:
            jobs.append(asyncio.create_task(periodic_jobs()))

    async def on_shutdown() -> None:
        for task in jobs:
            task.cancel()
        await db.dispose()
        while embedded_lock:
            single_process.release(embedded_lock.pop())

    return Litestar(
        route_handlers=route_handlers(),
        state=State({"settings": settings, "db": db, "search": get_search(settings)}),
        dependencies={
            "db_session": Provide(provide_db_session),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "search": Provide(provide_search, sync_to_thread=False),
        },
        middleware=[
            DefineMiddleware(LimitsMiddleware, settings=settings),  # before auth, CSRF and any parsing
            DefineMiddleware(AuthMiddleware, load_principal=load_principal, exclude=[r"^/static/"]),
        ],
        guards=[authorize],
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
