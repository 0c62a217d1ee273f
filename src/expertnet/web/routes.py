"""All page routes, behind one router whose error handlers answer in HTML, plus /static."""

from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

from expertnet.core.auth import PUBLIC, access
from expertnet.web import (
    account_security,
    admin,
    auth,
    consultations,
    dashboard,
    directory,
    escalation,
    intake,
    live,
    notifications,
    objects,
    opinion,
    profile,
    session_keep,
)
from expertnet.web.common import PAGE_EXCEPTION_HANDLERS

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Page modules, one per journey; each exposes ROUTES.
PAGE_MODULES = (
    auth,
    dashboard,
    admin,
    profile,
    directory,
    consultations,
    intake,
    opinion,
    objects,
    session_keep,
    account_security,
    notifications,
    live,
    escalation,
)

pages = Router(
    path="/",
    route_handlers=[handler for module in PAGE_MODULES for handler in module.ROUTES],
    exception_handlers=PAGE_EXCEPTION_HANDLERS,
    include_in_schema=False,
    before_request=notifications.load_header_counts,  # the bell's counts for every page's header
)

static = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    name="static",
    opt=access(PUBLIC),
    include_in_schema=False,
)

ROUTES = [pages, static]
