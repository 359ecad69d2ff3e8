"""Everything the app needs to serve the pages, built from the settings in one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from core.settings import Settings
from web.admin_pages import ADMIN_HANDLERS
from web.appeal_pages import APPEAL_HANDLERS
from web.benefit_pages import BENEFIT_HANDLERS
from web.data_pages import DATA_HANDLERS
from web.errors import PAGE_EXCEPTION_HANDLERS
from web.headers import add_page_headers
from web.income_pages import INCOME_HANDLERS
from web.member_pages import MEMBER_HANDLERS
from web.public_pages import PUBLIC_HANDLERS
from web.session import API_PATHS, derived_key, session_config
from web.vote_pages import VOTE_HANDLERS
from web.worker_pages import WORKER_HANDLERS

HERE = Path(__file__).parent
STATIC_MAX_AGE = 7 * 24 * 3600


@dataclass
class WebParts:
    """What `api.app.create_app` mounts: routes, templates, CSRF, session, plugins, hooks."""

    route_handlers: list[Any]
    template_config: TemplateConfig[JinjaTemplateEngine]
    csrf_config: CSRFConfig
    session: CookieBackendConfig
    plugins: list[Any] = field(default_factory=list)
    before_send: list[Any] = field(default_factory=list)


def web_parts(settings: Settings) -> WebParts:
    pages = Router(
        path="/",
        route_handlers=[
            *PUBLIC_HANDLERS,
            *WORKER_HANDLERS,
            *INCOME_HANDLERS,
            *DATA_HANDLERS,
            *ADMIN_HANDLERS,
            *MEMBER_HANDLERS,
            *APPEAL_HANDLERS,
            *VOTE_HANDLERS,
            *BENEFIT_HANDLERS,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
        opt={"idempotency": False, "unknown_query": "ignore"},
    )
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=STATIC_MAX_AGE, public=True),
        opt={"idempotency": False},
    )
    return WebParts(
        route_handlers=[pages, static],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=derived_key(settings, "mutua-web-csrf").hex(),
            cookie_name="mutua_csrf",
            cookie_httponly=True,
            cookie_secure=settings.https,
            cookie_samesite="lax",
            exclude=API_PATHS,
        ),
        session=session_config(settings),
        plugins=[HTMXPlugin()],
        before_send=[add_page_headers],
    )
