"""One place that turns errors into HTTP responses with a stable code."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from glassbox.errors import GlassboxError, Overloaded, RetryLater, Unauthorized
from glassbox.web._render import Style, error_body

_log = logging.getLogger(__name__)

# The routes LibreTranslate's clients call: their errors come in LibreTranslate's shape.
LIBRETRANSLATE_ROUTES = frozenset(
    {"/translate", "/translate_file", "/detect", "/languages", "/frontend/settings"}
)


def style_of(request: Request) -> Style:
    """Whose clients call the route: LibreTranslate's or (everywhere else) OpenAI's."""
    if request.url.path in LIBRETRANSLATE_ROUTES or request.url.path.startswith("/download_file/"):
        return Style.LIBRETRANSLATE
    return Style.OPENAI


def status_of(exc: GlassboxError, style: Style, request: Request) -> int:
    """The HTTP status for `exc`. LibreTranslate answers a missing key with 400 and a
    wrong one with 403, and its clients expect those rather than 401."""
    if style is Style.LIBRETRANSLATE and isinstance(exc, Unauthorized):
        sent = "authorization" in request.headers or getattr(request.state, "key_sent", False)
        return 403 if sent else 400
    return exc.status


def install_error_handlers(app: FastAPI) -> None:
    def respond(
        request: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None
    ) -> JSONResponse:
        return JSONResponse(error_body(style_of(request), code, message), status, headers=headers)

    @app.exception_handler(GlassboxError)
    async def _glassbox(request: Request, exc: GlassboxError) -> JSONResponse:
        headers = {}
        if isinstance(exc, RetryLater):  # overloaded, rate limited, throttled
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status >= 500 and not isinstance(exc, Overloaded):
            _log.error("%s: %s", exc.code, exc.message)
        status = status_of(exc, style_of(request), request)
        return respond(request, status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()
        )
        return respond(request, 400, "invalid_request", problems or "invalid request", None)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return respond(request, exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never echo an unexpected error to the client: it may carry content.
        _log.exception("unexpected error")
        return respond(request, 500, "internal_error", "internal error", None)
