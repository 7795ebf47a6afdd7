"""The composition root: `create_app()` builds the engine and routers; nothing at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, DBAPIError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordertalk import __version__
from ordertalk.broadcasts.api import router as broadcasts_router
from ordertalk.commerce.api import router as commerce_router
from ordertalk.config import Settings, get_settings
from ordertalk.contacts.api import router as contacts_router
from ordertalk.conversations.api import router as conversations_router
from ordertalk.conversations.faq_api import router as faq_router
from ordertalk.conversations.media_api import router as media_router
from ordertalk.conversations.tasks import InboundTasks
from ordertalk.db import create_engine, session_factory
from ordertalk.errors import ERROR_RESPONSES, OrdertalkError
from ordertalk.integrations.api import router as integrations_router
from ordertalk.integrations.tasks import run_reapply
from ordertalk.journeys.api import router as journeys_router
from ordertalk.logs import configure_logging
from ordertalk.messaging.api import router as messaging_router
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import DispatchConfig, Dispatcher
from ordertalk.messaging.pacing import build_limiter
from ordertalk.stores.api import router as stores_router
from ordertalk.web import pages
from ordertalk.web.dashboard import router as dashboard_router
from ordertalk.web.templating import STATIC_DIR
from ordertalk.web.tracking_api import router as tracking_router
from ordertalk.web.widget_api import router as widget_router
from ordertalk.webhooks_out.api import router as webhooks_out_router
from ordertalk.webhooks_out.sender import WebhookSender
from ordertalk.whatsapp_webhooks.api import router as whatsapp_webhooks_router
from ordertalk.whatsapp_webhooks.applier import WebhookApplier
from ordertalk.whatsapp_webhooks.intake import Intake
from ordertalk.whatsapp_webhooks.signers import Signers

log = logging.getLogger(__name__)


def _is_data_error(exc: StatementError) -> bool:
    """Whether a database error says the value itself was unacceptable."""
    if isinstance(exc, DataError):
        return True
    # The driver's own exception may sit behind SQLAlchemy's adapter: walk the chain.
    cause: BaseException | None = exc.orig
    while cause is not None:
        names = {cls.__name__ for cls in type(cause).__mro__}
        if isinstance(cause, OverflowError | ValueError) or names & _DATA_ERRORS:
            return True
        cause = cause.__cause__
    return False


_DATA_ERRORS = {"DataError", "CharacterNotInRepertoireError", "UntranslatableCharacterError"}
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def _unavailable(message: str) -> JSONResponse:
    """503 with Retry-After: nothing was done for this request, so it can simply be sent again."""
    return JSONResponse(
        {"error": {"code": "unavailable", "message": message}},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Ordertalk HTTP API."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        clients = ClientPool(settings)
        limiter = build_limiter(settings.redis_url)
        dispatcher = Dispatcher(
            app.state.sessions,
            clients,
            limiter=limiter,
            config=DispatchConfig.from_settings(settings),
        )
        app.state.dispatcher = dispatcher
        webhook_sender = WebhookSender(app.state.sessions)
        app.state.webhook_sender = webhook_sender
        inbound_tasks = InboundTasks(app.state.sessions, clients, settings)
        app.state.inbound_tasks = inbound_tasks
        # Webhooks are kept and acknowledged by the request, applied by the applier; every
        # process that takes them applies them (`serve --no-worker` too), leases share the work.
        app.state.whatsapp_signers = Signers()
        turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        app.state.whatsapp_intake = Intake(app.state.sessions, write_turn=turn)
        applier = WebhookApplier(app.state.sessions, on_planned=dispatcher.wake, write_turn=turn)
        app.state.whatsapp_applier = applier
        stop = asyncio.Event()
        workers = (
            [
                asyncio.create_task(dispatcher.run(stop)),
                asyncio.create_task(webhook_sender.run(stop)),
                asyncio.create_task(inbound_tasks.run(stop)),
            ]
            if settings.worker
            else []
        )
        workers.append(asyncio.create_task(applier.run(stop)))
        # Store webhooks a crashed request kept but never applied (integrations/tasks.py).
        workers.append(asyncio.create_task(run_reapply(app.state.sessions, stop)))
        try:
            yield
        finally:
            stop.set()
            for worker in workers:
                await worker
            await webhook_sender.aclose()
            await clients.aclose()
            await limiter.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Ordertalk", version=__version__, lifespan=lifespan, responses=ERROR_RESPONSES
    )
    app.state.settings = settings

    @app.exception_handler(OrdertalkError)
    async def business_error(request: Request, exc: OrdertalkError) -> Response:
        if pages.is_dashboard(request):  # the dashboard's pages answer with a page
            page = pages.business_error(request, exc)
            page.headers.update(exc.headers)
            return page
        # The code and message always win over a detail of the same name.
        body = {**jsonable_encoder(exc.details), "code": exc.code, "message": exc.message}
        return JSONResponse({"error": body}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_refusal(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own refusals (no such path, a method the path lacks, a body that is not
        # JSON) in the envelope every other error uses, as /openapi.json documents them.
        if pages.is_dashboard(request):
            return await http_exception_handler(request, exc)
        code = _HTTP_CODES.get(exc.status_code, "bad_request")
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"loc": list(err.get("loc", ())), "message": err.get("msg", "invalid")}
            for err in exc.errors()
        ]
        if pages.is_dashboard(request):
            return pages.invalid_form(request, problems)
        return JSONResponse(
            {
                "error": {
                    "code": "invalid_input",
                    "message": "invalid request",
                    "problems": problems,
                }
            },
            status_code=422,
        )

    @app.exception_handler(StatementError)
    async def unstorable_value(request: Request, exc: StatementError) -> JSONResponse:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # The connection dropped mid-request (the database restarting): nothing of this
            # request was committed, so the caller may try again.
            log.warning("database connection lost; answering 503")
            return _unavailable("Ordertalk's database is unavailable; try again shortly")
        # A value the database cannot hold (an id beyond its integer range, a NUL character)
        # is the caller's mistake, not ours; anything else is a bug and stays a 500.
        if not _is_data_error(exc):
            raise exc
        message = "a value is out of range or contains characters that cannot be stored"
        return JSONResponse({"error": {"code": "invalid_input", "message": message}}, 422)

    @app.exception_handler(OverflowError)
    async def too_large(request: Request, exc: OverflowError) -> JSONResponse:
        # SQLite's driver refuses integers beyond 64 bits before SQLAlchemy sees them.
        message = "a number is larger than any id or value Ordertalk stores"
        return JSONResponse({"error": {"code": "invalid_input", "message": message}}, 422)

    @app.exception_handler(PoolTimeout)
    async def overloaded(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every database connection stayed busy past the pool's timeout: nothing was written
        # for this request, so the sender can simply try again (webhook senders do).
        log.warning("database connection pool exhausted; answering 503")
        return _unavailable("Ordertalk is busy; try again shortly")

    @app.exception_handler(ConnectionError)
    async def unreachable(request: Request, exc: ConnectionError) -> JSONResponse:
        # asyncpg's refused or reset connection reaches us unwrapped (SQLAlchemy wraps only
        # errors of a connection it already had): the database is down or restarting.
        log.warning("database unreachable (%s); answering 503", type(exc).__name__)
        return _unavailable("Ordertalk's database is unavailable; try again shortly")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok", "version": __version__}

    app.include_router(whatsapp_webhooks_router)
    app.include_router(stores_router)
    app.include_router(contacts_router)
    app.include_router(integrations_router)
    app.include_router(commerce_router)
    app.include_router(messaging_router)
    app.include_router(journeys_router)
    app.include_router(broadcasts_router)
    app.include_router(webhooks_out_router)
    app.include_router(conversations_router)
    app.include_router(media_router)
    app.include_router(faq_router)
    app.include_router(widget_router)
    app.include_router(dashboard_router)
    app.include_router(tracking_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
