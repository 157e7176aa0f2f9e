"""The app factory: nothing happens at import time; everything starts in lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import glassbox
from glassbox.node import Node
from glassbox.settings import Settings
from glassbox.web import _log_routes, _operator
from glassbox.web._errors import install_error_handlers


def create_app(settings: Settings, *, integrate: bool = True) -> FastAPI:
    """Build the HTTP app for `settings`; the database opens when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node = Node.open(settings)
        app.state.node = node
        if integrate:
            node.start_background()
        try:
            yield
        finally:
            node.close()

    app = FastAPI(title="Glassbox", version=glassbox.__version__, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(_log_routes.router)
    app.include_router(_operator.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
