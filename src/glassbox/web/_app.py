"""The app factory: nothing happens at import time; the node opens when the app starts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import glassbox
from glassbox.clock import Clock, utc_now
from glassbox.core import Glassbox, build_services
from glassbox.settings import Settings
from glassbox.web import (
    _console,
    _console_admin,
    _log_routes,
    _openai_routes,
    _operator,
    _text_routes,
)
from glassbox.web._errors import install_error_handlers
from glassbox.web._metrics import Metrics
from glassbox.web._metrics import router as metrics_router
from glassbox.web._openapi import install_openapi
from glassbox.web._requestlog import RequestLog
from glassbox.web._transparency import home_router
from glassbox.web._transparency import router as transparency_router


def create_app(
    settings: Settings,
    *,
    integrate: bool = True,
    clock: Clock = utc_now,
    request_log: IO[str] | None = None,
) -> FastAPI:
    """Build the HTTP app for `settings`; the database opens when the app starts.

    The services' configuration is checked here, so a bad setting stops the
    server before it listens. With `integrate` False nothing runs in the
    background (tests drive integration and review maintenance themselves).
    Request log lines go to `request_log` (default standard output).
    """
    services = build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node = Glassbox.open(settings, clock=clock, services=services)
        app.state.glassbox = node
        app.state.metrics.attach(node)
        maintenance = None
        if integrate:
            node.start_background()
            maintenance = asyncio.create_task(node.maintain())
        try:
            yield
        finally:
            if maintenance is not None:
                maintenance.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await maintenance
            node.close()

    app = FastAPI(
        title="Glassbox",
        version=glassbox.__version__,
        lifespan=lifespan,
        docs_url=None,  # served below from the bundled Swagger UI: the docs work offline
        redoc_url=None,
    )
    install_error_handlers(app)
    install_openapi(app)
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_middleware(
        RequestLog,
        write=settings.request_log == "stdout",
        stream=request_log,
        observe=metrics.observe,
    )
    app.include_router(_log_routes.router)
    app.include_router(_openai_routes.router)
    app.include_router(_operator.router)
    app.include_router(_text_routes.router)
    app.include_router(_console.router)
    app.include_router(_console_admin.router)
    app.include_router(transparency_router)
    app.include_router(home_router)
    app.include_router(metrics_router)
    app.mount("/docs/static", StaticFiles(packages=[("fastapi_offline", "static")]), name="docs")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Glassbox API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/console/static/favicon.svg",
        )

    app.mount("/console/static", _console.static_files(), name="console-static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
