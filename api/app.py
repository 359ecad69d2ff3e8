"""The Litestar application factory.

Settings and the SMS provider are passed in, never read at import time, so tests build apps
of their own against their own databases and providers.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components

from api.client_address import TrustedProxies
from api.deps import provide_db_session, provide_settings
from api.edge import check_request
from api.idempotency import IdempotencyMiddleware
from api.openapi import ACCEPT_LANGUAGE, DOCS_PATH, refuse_unknown_docs_page
from api.openapi_ui import PinnedSwaggerUI
from api.problems import EXCEPTION_HANDLERS
from api.responses import tidy
from api.routes.africastalking import AfricasTalkingController
from api.routes.appeal_review import AppealReviewController
from api.routes.appeals import AdminAppealController, WorkerAppealController
from api.routes.auth import AuthController
from api.routes.banks import BankController, PlaidWebhookController
from api.routes.benefits import AdminBenefitController, WorkerBenefitController
from api.routes.export import ExportController
from api.routes.income import IncomeController
from api.routes.me import MeController
from api.routes.plan import PlanController
from api.routes.pools import AdminPoolController, PoolController
from api.routes.runs import RunController
from api.routes.sms import TwilioController
from api.routes.system import health, ready
from api.routes.votes import AdminVoteController, WorkerVoteController
from api.run_tasks import stop_runs
from api.security import SCHEMES
from api.security_headers import add_security_headers
from banks.service import BankLink
from core.db import create_engine, session_factory
from core.settings import Settings
from notifications.dispatcher import OutboxWorker
from notifications.outbox import queued_here, watch_queueing
from notifications.providers import SmsProvider, provider_from_setting
from web import pages_first, web_parts


def create_app(
    settings: Settings | None = None,
    *,
    sms_provider: SmsProvider | None = None,
    run_outbox_worker: bool = True,
    run_scheduler: bool = False,
) -> Litestar:
    settings = settings or Settings.from_env()
    provider = sms_provider or provider_from_setting(settings.sms_provider, settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, settings.database_pool_size)
        app.state.engine = engine
        app.state.session_factory = session_factory(engine)
        app.state.sms_provider = provider
        worker = OutboxWorker(
            app.state.session_factory, provider, interval=settings.outbox_poll_seconds
        )
        app.state.outbox_worker = worker
        app.state.run_tasks = set()
        if run_outbox_worker:
            await worker.start()
        if run_outbox_worker:
            from votes.service import close_forever

            app.state.run_tasks.add(asyncio.create_task(close_forever(app.state.session_factory)))
        bank_link: BankLink = app.state.bank_link
        if run_outbox_worker and bank_link.gateway is not None and bank_link.sealer is not None:
            from banks.sync import drain_forever

            app.state.run_tasks.add(
                asyncio.create_task(
                    drain_forever(app.state.session_factory, bank_link.gateway, bank_link.sealer)
                )
            )
        if run_scheduler:
            from runs.config import RunConfig
            from runs.scheduler import run_forever  # loads the income model (PyMC)

            app.state.run_tasks.add(
                asyncio.create_task(
                    run_forever(
                        app.state.session_factory,
                        RunConfig.from_settings(settings),
                        settings.reminder_days_before_cutoff,
                    )
                )
            )
        # Everything made while starting lives as long as the process: moved out of the
        # collector's sight, a full collection no longer pauses requests to walk it all.
        gc.freeze()
        try:
            yield
        finally:
            await stop_runs(app)
            if run_outbox_worker:
                await worker.stop()
            await engine.dispose()

    async def before_request(request: Request[Any, Any, Any]) -> None:
        refuse_unknown_docs_page(request)
        await check_request(request)
        watch_queueing()

    async def kick_outbox(request: Request[Any, Any, Any]) -> None:
        """Committed changes that queued messages: send them now, not at the next poll."""
        if request.method != "GET" and run_outbox_worker and queued_here():
            request.app.state.outbox_worker.kick()

    pages = web_parts(settings)
    app = Litestar(
        route_handlers=[
            *pages.route_handlers,
            health,
            ready,
            AuthController,
            MeController,
            PlanController,
            ExportController,
            PoolController,
            AdminPoolController,
            RunController,
            IncomeController,
            BankController,
            AppealReviewController,
            AdminVoteController,
            WorkerVoteController,
            AdminBenefitController,
            WorkerBenefitController,
            PlaidWebhookController,
            WorkerAppealController,
            AdminAppealController,
            TwilioController,
            AfricasTalkingController,
        ],
        lifespan=[lifespan],
        dependencies={
            "db_session": Provide(provide_db_session),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        parameters=ACCEPT_LANGUAGE,
        middleware=[pages.session.middleware, DefineMiddleware(cast(Any, IdempotencyMiddleware))],
        csrf_config=pages.csrf_config,
        template_config=pages.template_config,
        plugins=pages.plugins,
        exception_handlers={
            **EXCEPTION_HANDLERS,
            HTTPException: pages_first(EXCEPTION_HANDLERS[HTTPException]),
        },
        before_request=before_request,
        after_response=kick_outbox,
        before_send=[add_security_headers, *pages.before_send],
        request_max_body_size=settings.max_body_bytes,
        state=State(
            {
                "settings": settings,
                "trusted_proxies": TrustedProxies(settings.trusted_proxies),
                "bank_link": BankLink(settings),
            }
        ),
        debug=settings.debug,
        openapi_config=OpenAPIConfig(
            title="Mutua",
            version="1.0.0",
            description=(
                "Cooperative benefits and income smoothing for independent workers. "
                "Errors are RFC 9457 problem details with a stable `type`."
            ),
            path=DOCS_PATH,
            use_handler_docstrings=True,
            render_plugins=[PinnedSwaggerUI(path="/")],
            components=Components(security_schemes=dict(SCHEMES)),
        ),
    )
    tidy(app.openapi_schema)  # built once here, and served as tidied
    return app
