"""The ASGI app: routers, static files, middleware and one error handler per door."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import outage
from app.admission import Admission
from app.api import api_router, openapi, problems
from app.api.kept_calendar import KeptCalendar
from app.config import Settings, get_settings
from app.crash_guard import CrashGuard, keep_secrets_out_of_logs
from app.db import get_engine, utcnow
from app.errors import AppError, Unauthorized
from app.i18n import gettext as _
from app.i18n import pgettext
from app.input_guard import MAX_BODY_BYTES, InputGuard, is_api_path
from app.memory import freeze_start_up
from app.services import paging, webhook_events
from app.services.kept_reads import KEPT_READ_CONNECTIONS, KeptReads
from app.speaking import Language
from app.web import web_router
from app.web.render import render_error

log = logging.getLogger("giveask")
STATIC_DIR = Path(__file__).parent / "web" / "static"

API_DESCRIPTION = """
Plan and read give/ask posts. Authenticate with `Authorization: Bearer <token>`
(create one with `giveask token create` or on the workspace's Tokens page).
Times are RFC 3339 with an offset; responses are in UTC. Errors are
`application/problem+json`. Every resource has a `version`, returned as `ETag`;
send it back as `If-Match` to refuse overwriting someone else's change (412).
"""


def _is_api(request: Request) -> bool:
    return is_api_path(request.url.path)


class SecurityHeaders:
    """Headers every response carries; pages load nothing from other origins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] == "/docs"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A route may be stricter (a share link's page sends no referrer).
                present = {name.lower() for name, _ in headers}
                script = "'self' 'unsafe-inline'" if docs else "'self'"
                csp = (
                    f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; "
                    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                    "base-uri 'self'; form-action 'self'"
                )
                for name, value in (
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The sync routes' thread pool, sized to the database pool (config.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        kept_reads = open_kept_reads(settings)
        if kept_reads is not None:
            await kept_reads.open()
        _app.state.kept_reads = kept_reads
        if getattr(_app.state, "serving", False):
            freeze_start_up()
        try:
            yield
        finally:
            _app.state.kept_reads = None
            if kept_reads is not None:
                await kept_reads.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Giveask API",
        version="1.0.0",
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    # The session and sign-in rules read these; tests move the clock instead of sleeping.
    app.state.settings = settings
    app.state.clock = utcnow
    paging.configure(settings.resolved_secret_key())
    webhook_events.install()  # changes write their webhook events as they commit
    keep_secrets_out_of_logs()
    # No more requests at a time than the database pool has connections
    # (app/admission.py); the rest wait their turn on the event loop.
    app.add_middleware(Admission, limit=settings.threads)
    # Outside the admission queue: a kept read takes no thread (kept_reads.py).
    app.add_middleware(KeptCalendar)
    # Before the kept reads: a kept answer is kept per language (calendar_cache.py).
    app.add_middleware(Language)
    # Inside the session middleware, so both can render the error page.
    app.add_middleware(InputGuard, limit=MAX_BODY_BYTES)
    app.add_middleware(CrashGuard)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="giveask_session",
        max_age=settings.session_max_age_days * 86400,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router)
    app.include_router(web_router)
    openapi.install(app)
    outage.install(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Giveask API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.exception_handler(AppError)
    async def on_app_error(request: Request, exc: AppError) -> Response:
        if _is_api(request):
            return problems.app_error_response(exc)
        if isinstance(exc, Unauthorized):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render_error(request, exc.status, exc.title, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return problems.validation_response(exc)
        errors = problems.validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return render_error(request, 422, pgettext("problem", "Invalid input"), detail)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return problems.http_error_response(request, exc)
        detail = exc.detail if isinstance(exc.detail, str) else _("Request failed.")
        page = render_error(request, exc.status_code, detail, "")
        if exc.status_code == 405:
            page.headers["Allow"] = ", ".join(problems.allowed_methods(request))
        return page

    return app


def open_kept_reads(settings: Settings) -> KeptReads | None:
    """The event loop's pool for kept calendar reads, on PostgreSQL."""
    engine = get_engine()
    if not settings.reads_on_loop or engine.dialect.name != "postgresql":
        return None
    return KeptReads(engine, size=KEPT_READ_CONNECTIONS,
                     connect_timeout=settings.db_connect_timeout,
                     statement_timeout=settings.db_statement_timeout)


def app_factory() -> FastAPI:
    """For `uvicorn --factory app.main:app_factory` (the CLI's serve)."""
    app = create_app()
    # A serving process (not a test's app) freezes what start-up built (memory.py).
    app.state.serving = True
    return app
