"""One place that turns errors into HTTP responses with a stable code."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from glassbox.errors import GlassboxError, Overloaded
from glassbox.web._render import Style
from glassbox.web._render import error_body as shaped

_log = logging.getLogger(__name__)


def error_body(code: str, message: str) -> dict[str, object]:
    # OpenAI-style envelope, so existing clients show the message.
    return shaped(Style.OPENAI, code, message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GlassboxError)
    async def _glassbox(_req: Request, exc: GlassboxError) -> JSONResponse:
        headers = {}
        if isinstance(exc, Overloaded):
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status >= 500 and not isinstance(exc, Overloaded):
            _log.error("%s: %s", exc.code, exc.message)
        return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()
        )
        return JSONResponse(error_body("invalid_request", problems or "invalid request"), 400)

    @app.exception_handler(HTTPException)
    async def _http(_req: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        # Never echo an unexpected error to the client: it may carry content.
        _log.exception("unexpected error")
        return JSONResponse(error_body("internal_error", "internal error"), 500)
