"""All page routes, behind one router whose error handlers answer in HTML, plus /static."""
import importlib
from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

from expertnet.core.auth import PUBLIC, access
from expertnet.web.common import PAGE_EXCEPTION_HANDLERS

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Page modules, one per journey; each exposes ROUTES.
PAGE_MODULES = (
    "expertnet.web.auth",
    "expertnet.web.dashboard",
    "expertnet.web.admin",
    "expertnet.web.profile",
    "expertnet.web.directory",
    "expertnet.web.consultations",
)


def _page_handlers() -> list:
    handlers: list = []
    for name in PAGE_MODULES:
        handlers.extend(importlib.import_module(name).ROUTES)
    return handlers


pages = Router(
    path="/",
    route_handlers=_page_handlers(),
    exception_handlers=PAGE_EXCEPTION_HANDLERS,
    include_in_schema=False,
)

static = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    name="static",
    opt=access(PUBLIC),
    include_in_schema=False,
)

ROUTES = [pages, static]
